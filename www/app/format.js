// Number and time formatting shared by the UI modules.

const whole = new Intl.NumberFormat('en');

/** 44500 -> "44,500". */
export const num = (n) => whole.format(n);

/** Milliseconds as "12.3 ms" or "1.24 s". */
export function ms(t) {
  if (t >= 1000) return `${(t / 1000).toFixed(2)} s`;
  if (t >= 100) return `${t.toFixed(0)} ms`;
  // A stepped run's clock moves a microsecond a step: its moments are fractions of one.
  if (Math.abs(t) < 1 && t !== 0) return `${t.toFixed(3)} ms`;
  return `${t.toFixed(1)} ms`;
}

/** Creates an SVG element with attributes (set as given) and, optionally, its text. */
export function svgEl(tag, attrs = {}, text = null) {
  const n = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== null) n.textContent = text;
  return n;
}

/**
 * Creates an element with attributes and children (strings become text). A `style` is an
 * object of CSS properties, set through the CSSOM: the page's Content-Security-Policy
 * (style-src 'self') refuses style attributes written as text.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'style') Object.assign(node.style, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}
