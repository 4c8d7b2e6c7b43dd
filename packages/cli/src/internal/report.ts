import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One section of `report.html`: a heading, a paragraph, and pictures with captions. */
export interface ReportSection {
  title: string;
  text: string;
  pictures: { path: string; caption: string }[];
  /** Rows of label → value shown as a small table (timings, scores). */
  facts?: [string, string][];
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"]/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[character] ?? character,
  );

/**
 * Writes a self-contained `report.html` (pictures embedded as data URLs, no scripts, no network)
 * into `folder`, and returns its path.
 */
export function writeReport(
  folder: string,
  title: string,
  intro: string,
  sections: readonly ReportSection[],
): string {
  const body = sections
    .map((section) => {
      const facts = section.facts?.length
        ? `<table>${section.facts.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`
        : '';
      const pictures = section.pictures
        .map((picture) => {
          const data = readFileSync(picture.path).toString('base64');
          return `<figure><img alt="${escapeHtml(picture.caption)}" src="data:image/png;base64,${data}"><figcaption>${escapeHtml(picture.caption)} <code>${escapeHtml(basename(picture.path))}</code></figcaption></figure>`;
        })
        .join('\n');
      return `<section><h2>${escapeHtml(section.title)}</h2><p>${escapeHtml(section.text)}</p>${facts}${pictures}</section>`;
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}figure{margin:1em 0}
figcaption{color:#555;font-size:13px}table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ddd;padding:2px 8px;text-align:left;font-weight:normal}th{background:#f6f6f6}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(intro)}</p>
${body}
</body></html>
`;
  const path = join(folder, 'report.html');
  writeFileSync(path, html);
  return path;
}
