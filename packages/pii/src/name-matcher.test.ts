import { describe, expect, it } from 'vitest';
import { NameMatcher, type NameMatcherOptions } from './name-matcher.js';

function names(directory: readonly string[], text: string, options?: NameMatcherOptions): string[] {
  const out: string[] = [];
  new NameMatcher({ names: directory }, options).find(text, (s, e) => out.push(text.slice(s, e)));
  return out;
}

describe('NameMatcher', () => {
  it('matches full names case-insensitively at word boundaries', () => {
    expect(names(['Maria Gonzalez'], 'MARIA GONZALEZ, maria gonzalez and Maria Gonzalez’s desk')).toEqual([
      'MARIA GONZALEZ',
      'maria gonzalez',
      'Maria Gonzalez',
    ]);
    expect(names(['Maria Gonzalez'], 'Annamaria Gonzalezova and maria gonzalez2')).toEqual([]);
  });

  it('folds accents both ways and tolerates extra white space', () => {
    expect(names(['José Núñez'], 'Jose Nunez, JOSÉ  NÚÑEZ and Jose\u0301 Nu\u0301n\u0303ez')).toEqual([
      'Jose Nunez',
      'JOSÉ  NÚÑEZ',
      'Jose\u0301 Nu\u0301n\u0303ez',
    ]);
    expect(names(['Jose Nunez'], 'José Núñez')).toEqual(['José Núñez']);
  });

  it('uses Unicode letters for boundaries', () => {
    expect(names(['Zoë Müller'], 'Zoë Müllerová; «Zoë Müller»')).toEqual(['Zoë Müller']);
  });

  it('matches CJK names inside CJK text, which has no spaces', () => {
    expect(names(['田中太郎', '王芳'], '田中太郎さんと王芳が来た')).toEqual(['田中太郎', '王芳']);
    expect(names(['Maria Gonzalez'], '请联系Maria Gonzalez谢谢')).toEqual(['Maria Gonzalez']);
  });

  it('does not match single first names unless matchNameParts is set', () => {
    expect(names(['Maria Gonzalez'], 'Maria said hi')).toEqual([]);
    expect(names(['Maria Gonzalez'], 'Maria said hi to Gonzalez', { matchNameParts: true })).toEqual([
      'Maria',
      'Gonzalez',
    ]);
  });

  it('never registers common words or very short parts as single-word names', () => {
    const directory = ['Will May', 'Al Rose', 'will', 'jdoe'];
    expect(names(directory, 'I will ask al, may rose, and jdoe', { matchNameParts: true })).toEqual(['jdoe']);
  });

  it('prefers the leftmost, then the longest match', () => {
    const directory = ['Maria Gonzalez', 'Maria Gonzalez Ruiz', 'Gonzalez Ruiz'];
    expect(names(directory, 'maria gonzalez ruiz and gonzalez ruiz')).toEqual(['maria gonzalez ruiz', 'gonzalez ruiz']);
  });

  it('compiles thousands of names into one automaton and finds them all', () => {
    const directory: string[] = [];
    for (let i = 0; i < 5000; i++) directory.push(`Person${i.toString(36)} Surname${(i * 7919).toString(36)}`);
    const matcher = new NameMatcher({ names: directory });
    expect(matcher.patternCount).toBe(5000);
    const text = `cc ${directory[17]}, ${directory[4999]} and ${directory[0]!.toLowerCase()}`;
    const out: string[] = [];
    matcher.find(text, (s, e) => out.push(text.slice(s, e)));
    expect(out).toEqual([directory[17], directory[4999], directory[0]!.toLowerCase()]);
  });

  it('handles an empty directory and empty text', () => {
    expect(names([], 'anything')).toEqual([]);
    expect(names(['Maria Gonzalez'], '')).toEqual([]);
  });
});
