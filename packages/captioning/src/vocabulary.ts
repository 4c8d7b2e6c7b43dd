import { InvalidArgumentError } from '@netlens/backends';

const SPECIALS = ['<NULL>', '<START>', '<END>', '<UNK>'] as const;

/** Marks a complete id → word list (specials included); only {@link Vocabulary.fromIdxToWord} has it. */
const COMPLETE: unique symbol = Symbol('complete idxToWord');

/**
 * The words a captioner knows, with CS231n's special tokens: `<NULL>` (padding, id 0), `<START>` (1),
 * `<END>` (2) and `<UNK>` (3) come first, then the words in the order given. Captions are lowercased
 * and split on whitespace.
 *
 * ```ts
 * const vocabulary = new Vocabulary(['a', 'red', 'seven']);
 * vocabulary.encode('a red seven', 5); // [1, 4, 5, 6, 2, 0, 0]
 * vocabulary.decode([1, 4, 5, 6, 2, 0, 0]); // 'a red seven'
 * ```
 * Sources: CS231n assignment 3, `coco_utils.py` (`word_to_idx`, `idx_to_word`, `decode_captions`).
 */
export class Vocabulary {
  /** Padding; masked out of the loss. */
  static readonly NULL = '<NULL>';
  /** First input word of every caption. */
  static readonly START = '<START>';
  /** Last word of every caption. */
  static readonly END = '<END>';
  /** Stands for any word not in the vocabulary. */
  static readonly UNK = '<UNK>';

  /** Word of each id. */
  readonly idxToWord: readonly string[];
  /** Id of each word. */
  readonly wordToIdx: ReadonlyMap<string, number>;
  /** Id of `<NULL>`. */
  readonly nullId: number;
  /** Id of `<START>`, or -1 when the vocabulary has none (CS231n's unit-test vocabularies). */
  readonly startId: number;
  /** Id of `<END>`, or -1 when the vocabulary has none. */
  readonly endId: number;
  /** Id of `<UNK>`, or -1 when the vocabulary has none. */
  readonly unkId: number;

  /**
   * @param words - the words beyond the four specials, in id order (ids 4, 5, …); no duplicates and
   * no special tokens.
   * @param complete - package-internal marker of {@link Vocabulary.fromIdxToWord}; leave it out.
   * @throws InvalidArgumentError for empty, duplicated or special words.
   */
  constructor(words: readonly string[], complete?: typeof COMPLETE) {
    if (!Array.isArray(words)) {
      throw new InvalidArgumentError('words', 'an array of strings', typeof words);
    }
    const idxToWord = complete === COMPLETE ? [...words] : [...SPECIALS, ...words];
    const wordToIdx = new Map<string, number>();
    idxToWord.forEach((word, id) => {
      if (typeof word !== 'string' || word.length === 0 || /\s/.test(word)) {
        throw new InvalidArgumentError(`words[${id}]`, 'a non-empty word without whitespace', String(word));
      }
      if (complete !== COMPLETE && id >= SPECIALS.length && (SPECIALS as readonly string[]).includes(word)) {
        throw new InvalidArgumentError(`words[${id - SPECIALS.length}]`, 'an ordinary word', word);
      }
      if (wordToIdx.has(word)) throw new InvalidArgumentError(`words[${id}]`, 'a unique word', word);
      wordToIdx.set(word, id);
    });
    const nullId = wordToIdx.get(Vocabulary.NULL);
    if (nullId === undefined) throw new InvalidArgumentError('idxToWord', 'a list with <NULL>', 'none');
    this.idxToWord = Object.freeze(idxToWord);
    this.wordToIdx = wordToIdx;
    this.nullId = nullId;
    this.startId = wordToIdx.get(Vocabulary.START) ?? -1;
    this.endId = wordToIdx.get(Vocabulary.END) ?? -1;
    this.unkId = wordToIdx.get(Vocabulary.UNK) ?? -1;
  }

  /**
   * A vocabulary from a complete id → word list, such as CS231n's `idx_to_word` from
   * `coco2014_vocab.json`. It must contain `<NULL>`; the other specials are optional (their ids are
   * then -1, and encoding or sampling needs them).
   *
   * ```ts
   * const vocabulary = Vocabulary.fromIdxToWord(json.idx_to_word);
   * ```
   * @param idxToWord - the word of every id.
   */
  static fromIdxToWord(idxToWord: readonly string[]): Vocabulary {
    if (!Array.isArray(idxToWord)) {
      throw new InvalidArgumentError('idxToWord', 'an array of strings', typeof idxToWord);
    }
    return new Vocabulary(idxToWord, COMPLETE);
  }

  /** Number of ids, specials included (CS231n's `V`). */
  get size(): number {
    return this.idxToWord.length;
  }

  /**
   * Token ids of a caption: `<START>`, its words (unknown ones as `<UNK>`), `<END>`, and `<NULL>` up
   * to `maxLength + 2` ids when `maxLength` is given (CS231n's captions have 17 ids for 15 words).
   * @param caption - words separated by whitespace; lowercased first.
   * @param maxLength - the most words kept; longer captions are cut (the `<END>` stays).
   * @returns the ids.
   */
  encode(caption: string, maxLength?: number): number[] {
    if (typeof caption !== 'string') throw new InvalidArgumentError('caption', 'a string', typeof caption);
    if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 0)) {
      throw new InvalidArgumentError('maxLength', 'a non-negative integer', String(maxLength));
    }
    if (this.startId < 0 || this.endId < 0) {
      throw new InvalidArgumentError('vocabulary', 'a vocabulary with <START> and <END>', 'none');
    }
    let words = caption.toLowerCase().split(/\s+/).filter(Boolean);
    if (maxLength !== undefined) words = words.slice(0, maxLength);
    const ids = words.map((word) => {
      const id = this.wordToIdx.get(word);
      if (id !== undefined) return id;
      if (this.unkId < 0) throw new InvalidArgumentError('caption', 'known words (no <UNK> token)', word);
      return this.unkId;
    });
    const encoded = [this.startId, ...ids, this.endId];
    if (maxLength !== undefined) while (encoded.length < maxLength + 2) encoded.push(this.nullId);
    return encoded;
  }

  /**
   * The caption of token ids: words up to the first `<END>`, skipping `<NULL>` and `<START>`.
   * @param ids - token ids, such as a row of a sampled batch.
   * @returns the words joined by single spaces.
   */
  decode(ids: ArrayLike<number>): string {
    const words: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (id === this.endId) break;
      if (id === this.nullId || id === this.startId) continue;
      const word = this.idxToWord[id];
      if (word === undefined)
        throw new InvalidArgumentError(`ids[${i}]`, `an id below ${this.size}`, `${id}`);
      words.push(word);
    }
    return words.join(' ');
  }
}
