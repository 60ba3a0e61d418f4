/**
 * Directory-based PERSON matching: one trie over the folded names of every workspace member, walked from
 * each word start, so a message is scanned once whatever the size of the directory (thousands of names),
 * instead of one regex per name. Names start at word boundaries, so there is no need for Aho–Corasick
 * failure links: inside a word the scan only skips ahead. Matches are case- and accent-insensitive, must
 * end on a word boundary too (except next to CJK text, which has no spaces: there every character may
 * start a name), and the leftmost-longest match wins.
 */
import { codePointAtIndex, codePointBefore, foldString, foldUnit, isCjk, isWordCodePoint, SKIP } from './fold.js';

/** The workspace directory the pipeline knows: members' full names and display names. */
export interface PersonDirectory {
  readonly names: readonly string[];
}

/** How directory names become patterns. */
export interface NameMatcherOptions {
  /**
   * Also match each single part (first name, last name) of multi-word names. Off by default: "Will",
   * "May" or "Rose" are ordinary words, and a first name alone rarely identifies a person.
   */
  readonly matchNameParts?: boolean;
  /** Shortest single-word pattern, in code units (default 3): "Al" or "Jo" alone are too ambiguous. */
  readonly minSingleWordLength?: number;
}

/**
 * English words that are also common given names or surnames. A single-word pattern in this list is
 * never registered: a member displayed as "will" should not turn every "will" into a PERSON.
 */
const COMMON_WORDS = new Set(
  (
    'will may june april august mark bill pat rose grace hope joy faith sunny summer autumn art jack frank ' +
    'rich ray drew chase dean gene guy max sky star reed lane rob sue don ken jean page day king long young ' +
    'brown white black green gray grey bell hill wood ward hunt price rice cook miles penny ruby amber iris ' +
    'lily ivy dawn eve angel crystal destiny harmony melody noble rusty buck clay cliff dale glen heath ' +
    'victor sterling hunter mason carter tanner parker cash bond hall lee law love rice baker smith taylor ' +
    'new the and for you all admin team bot test dev ops help support info sales hr it eng'
  ).split(' '),
);

enum Edge {
  Start = 1,
  End = 2,
}

// ASCII letters, digits and '_': the units that continue a word.
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 ? 1 : 0;
}

// Markers in onlyChar for nodes without exactly one child.
const LEAF = -1;
const BRANCH = -2;

/** A compiled trie; build once per directory, reuse for every message. */
export class NameMatcher {
  readonly patternCount: number;
  // Trie transitions: node -> (folded unit -> child). The root also has a dense table for speed.
  private readonly trans: Map<number, number>[] = [new Map()];
  private readonly rootDense = new Int32Array(65536).fill(-1);
  private out: Int32Array = new Int32Array(1); // pattern length ending at node, 0 if none
  private outEdges: Uint8Array = new Uint8Array(1); // CJK edges of that pattern (Edge bits)
  // Most trie nodes have exactly one child: test it with one comparison, use the Map only when branching.
  private onlyChar: Int32Array = new Int32Array(1); // the single child's unit; LEAF or BRANCH otherwise
  private onlyChild: Int32Array = new Int32Array(1);
  // Branching nodes keep their ASCII children in a dense 128-slot row (0 = none; the root is nobody's
  // child), so typical Latin text never touches a Map; other units use the Map.
  private asciiRow: Int32Array = new Int32Array(1);
  private asciiNext: Int32Array = new Int32Array(0);

  constructor(directory: PersonDirectory, options: NameMatcherOptions = {}) {
    const minSingle = options.minSingleWordLength ?? 3;
    const patterns = new Set<string>();
    const addSingle = (word: string): void => {
      // Two CJK characters are a typical full given+family name; two Latin letters are initials.
      const min = isCjk(word.codePointAt(0)!) ? Math.min(2, minSingle) : minSingle;
      if (word.length >= min && !COMMON_WORDS.has(word) && /\p{L}/u.test(word)) patterns.add(word);
    };
    for (const raw of directory.names) {
      const name = foldString(raw);
      if (name.length === 0) continue;
      const parts = name.split(' ');
      if (parts.length === 1) {
        addSingle(name);
        continue;
      }
      patterns.add(name);
      if (options.matchNameParts) for (const part of parts) addSingle(part);
    }
    this.patternCount = patterns.size;
    const lengths: number[] = [0];
    const edges: number[] = [0];
    for (const p of patterns) {
      let node = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let next = this.trans[node]!.get(c);
        if (next === undefined) {
          next = this.trans.length;
          this.trans.push(new Map());
          lengths.push(0);
          edges.push(0);
          this.trans[node]!.set(c, next);
          if (node === 0) this.rootDense[c] = next;
        }
        node = next;
      }
      lengths[node] = p.length;
      edges[node] = (isCjk(p.codePointAt(0)!) ? Edge.Start : 0) | (isCjk(codePointBefore(p, p.length)) ? Edge.End : 0);
    }
    this.build(lengths, edges);
  }

  private build(lengths: number[], edges: number[]): void {
    const n = this.trans.length;
    this.out = Int32Array.from(lengths);
    this.outEdges = Uint8Array.from(edges);
    this.onlyChar = new Int32Array(n).fill(LEAF);
    this.onlyChild = new Int32Array(n);
    this.asciiRow = new Int32Array(n).fill(-1);
    let rows = 0;
    for (let node = 1; node < n; node++) if (this.trans[node]!.size > 1) rows++;
    this.asciiNext = new Int32Array(rows * 128);
    rows = 0;
    for (let node = 1; node < n; node++) {
      const t = this.trans[node]!;
      if (t.size === 1) {
        for (const [c, child] of t) {
          this.onlyChar[node] = c;
          this.onlyChild[node] = child;
        }
      } else if (t.size > 1) {
        this.onlyChar[node] = BRANCH;
        this.asciiRow[node] = rows * 128;
        for (const [c, child] of t) if (c < 128) this.asciiNext[rows * 128 + c] = child;
        rows++;
      }
    }
  }

  /**
   * Calls `emit(start, end)` for each name found in `text`, leftmost-longest, non-overlapping, in order.
   * Offsets are UTF-16 indices into `text`.
   */
  find(text: string, emit: (start: number, end: number) => void): void {
    if (this.patternCount === 0) return;
    const len = text.length;
    const rootDense = this.rootDense;
    let inWord = false; // previous unit was part of a (non-CJK) word
    let i = 0;
    while (i < len) {
      const u = text.charCodeAt(i);
      let c: number;
      let word: boolean;
      if (u < 128) {
        c = u >= 65 && u <= 90 ? u | 0x20 : u;
        word = ASCII_WORD[u] === 1;
      } else {
        c = foldUnit(u);
        if (c === SKIP) {
          i++; // a combining mark continues whatever it follows
          continue;
        }
        word = c !== 32 && isWordCodePoint(text.codePointAt(i)!);
      }
      // A name can start here if a pattern starts with this unit, at a word start, or anywhere in CJK.
      if (rootDense[c] !== -1 && (!inWord || (u >= 0x2e80 && isCjk(text.codePointAt(i)!)))) {
        const end = this.walk(text, i);
        if (end !== -1) {
          emit(i, end);
          i = end;
          inWord = false;
          continue;
        }
      }
      inWord = word && !(u >= 0x2e80 && isCjk(text.codePointAt(i)!));
      i++;
    }
  }

  /** Follows the trie from `start`; returns the end of the longest name matching there, or -1. */
  private walk(text: string, start: number): number {
    const { rootDense, trans, out, outEdges, onlyChar, onlyChild, asciiRow, asciiNext } = this;
    const len = text.length;
    let node = 0;
    let best = -1;
    let lastSpace = false;
    for (let i = start; i < len; i++) {
      const u = text.charCodeAt(i);
      let c: number;
      if (u < 128) {
        c = u >= 65 && u <= 90 ? u | 0x20 : u === 9 || u === 10 || u === 13 ? 32 : u;
      } else {
        c = foldUnit(u);
        if (c === SKIP) continue;
      }
      if (c === 32) {
        if (lastSpace) continue; // runs of white space fold to one space
        lastSpace = true;
      } else {
        lastSpace = false;
      }
      let next: number;
      if (node === 0) {
        next = rootDense[c]!;
      } else {
        const only = onlyChar[node]!;
        if (only === c) next = onlyChild[node]!;
        else if (only === BRANCH) next = (c < 128 ? asciiNext[asciiRow[node]! + c]! : trans[node]!.get(c)) || -1;
        else next = -1;
      }
      if (next === -1) break;
      node = next;
      if (out[node]! > 0) {
        const e = i + 1 + this.trailingMarks(text, i + 1);
        if (this.onBoundary(text, start, e, outEdges[node]!)) best = e;
      }
    }
    return best;
  }

  private trailingMarks(text: string, i: number): number {
    let k = 0;
    while (i + k < text.length && foldUnit(text.charCodeAt(i + k)) === SKIP) k++;
    return k;
  }

  /** A name edge needs a boundary unless it is CJK; a CJK neighbour is a boundary ("请联系Maria"). */
  private onBoundary(text: string, s: number, e: number, cjk: number): boolean {
    if (!(cjk & Edge.Start)) {
      const before = codePointBefore(text, s);
      if (isWordCodePoint(before) && !isCjk(before)) return false;
    }
    if (!(cjk & Edge.End)) {
      const after = codePointAtIndex(text, e);
      if (isWordCodePoint(after) && !isCjk(after)) return false;
    }
    return true;
  }
}
