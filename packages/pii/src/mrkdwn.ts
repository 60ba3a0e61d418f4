/**
 * Slack mrkdwn awareness. Raw message text carries markup in angle brackets (`<@U123>`, `<#C1|general>`,
 * `<!here>`, `<mailto:a@b.com|a@b.com>`, `<https://x|label>`). Rather than parse it into a tree, we
 * blank the markup syntax with spaces (same length, so every offset stays valid) and let the ordinary
 * recognizers scan what is left: link targets, mailto addresses and labels. Mention, channel and
 * special-command targets are blanked whole, so Slack ids are never reported as PII.
 */

const SEGMENT = /<([^<>\n]*)>/g;
// _italic_: an underscore opening at a word start and the nearest one closing at a word end (inner
// underscores, as in `_sk_live_…_`, stay). '*bold*' and '~strike~' need nothing: those markers are not
// word characters.
const ITALIC = /(?<![^\s(*~>|])_(?=[^\s_])([^\n]*?[^\s_])_(?![^\s).,!?:;'"*~<|])/g;

/** Blanks the underscores of `_italic_` spans, which would otherwise glue onto what they wrap. */
function blankItalics(text: string): string {
  return text.replace(ITALIC, (_m, inner: string) => ` ${inner} `);
}
const MAILTO = 'mailto:';
const TEL = 'tel:';

/**
 * Returns `text` with Slack markup syntax replaced by spaces. The result has the same length, so offsets
 * found in it are offsets in `text`. Text without `<` is returned as is (no allocation).
 */
export function blankMrkdwn(text: string): string {
  if (text.indexOf('_') !== -1) text = blankItalics(text);
  if (text.indexOf('<') === -1) return text;
  let out = '';
  let copied = 0;
  SEGMENT.lastIndex = 0;
  for (let m = SEGMENT.exec(text); m !== null; m = SEGMENT.exec(text)) {
    const inner = m[1]!;
    const open = m.index;
    const pipe = inner.indexOf('|');
    const target = pipe === -1 ? inner : inner.slice(0, pipe);
    // How many characters of the target (after '<') to blank.
    let blank = 0;
    const first = target.charCodeAt(0);
    if (first === 64 || first === 35 || first === 33) {
      blank = target.length; // <@U…>, <#C…>, <!here>, <!subteam^S…>, <!date^…>
    } else if (target.startsWith(MAILTO)) {
      blank = MAILTO.length;
    } else if (target.startsWith(TEL)) {
      blank = TEL.length;
    }
    out += text.slice(copied, open);
    out += ' '.repeat(1 + blank);
    out += target.slice(blank);
    if (pipe !== -1) out += ' ' + inner.slice(pipe + 1);
    out += ' ';
    copied = open + m[0].length;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
