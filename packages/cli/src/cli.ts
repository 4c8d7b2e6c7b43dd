#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from './run-cli';

// An application, not a library: no tfjs development banners ("looks like you are running in Node").
tf.env().set('PROD', true);

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
