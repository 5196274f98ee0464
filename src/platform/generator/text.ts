import type { Random } from '../../core/random.js';
import { companySuffixes, companyWords, emojis, firstNames, lastNames, trickyStrings, words } from './corpus.js';

/** Realistic text built from the corpus, with a share of strings that stress the row encoding. */
export class TextMaker {
  constructor(private readonly rng: Random) {}

  words(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) {
      if (i > 0) out += ' ';
      out += this.rng.pick(words);
    }
    return out;
  }

  /** A sentence of min..max words, sometimes with an emoji or a hard case. */
  sentence(min = 4, max = 12): string {
    const roll = this.rng.float();
    if (roll < 0.03) return this.rng.pick(trickyStrings);
    let text = this.words(this.rng.int(min, max));
    text = text.charAt(0).toUpperCase() + text.slice(1);
    if (roll < 0.1) text += ' ' + this.rng.pick(emojis);
    return text + (roll > 0.9 ? '?' : '.');
  }

  paragraph(sentences: number): string {
    const parts: string[] = [];
    for (let i = 0; i < sentences; i++) parts.push(this.sentence());
    return parts.join(this.rng.chance(0.2) ? '\n' : ' ');
  }

  /** Nullable text: NULL, an empty string, or a paragraph — the three must stay distinct. */
  optionalParagraph(sentences: number): string | null {
    const roll = this.rng.float();
    if (roll < 0.1) return null;
    if (roll < 0.15) return '';
    return this.paragraph(sentences);
  }

  firstName(): string {
    return this.rng.pick(firstNames);
  }

  lastName(): string {
    return this.rng.pick(lastNames);
  }

  company(): string {
    return `${this.rng.pick(companyWords)} ${this.rng.pick(companyWords)} ${this.rng.pick(companySuffixes)}`;
  }

  phone(): string {
    return `+49 ${this.rng.int(30, 899)} ${this.rng.int(1000000, 9999999)}`;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += (this.rng.int(0, 0xfffffff) >>> 0).toString(16).padStart(7, '0');
    return out.slice(0, length);
  }
}
