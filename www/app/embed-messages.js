// The embed's postMessage API, for the course page around the iframe.
//
// Host page -> frame (frame.contentWindow.postMessage(message, '*')):
//   { type: 'racelab:run', id?, strategy?, params? }   run the setup (with these changes);
//                                                      answered by racelab:result or racelab:error
//   { type: 'racelab:set-strategy', id?, strategy }    pick a lock placement; answered by racelab:state
//   { type: 'racelab:set-params', id?, params }        set parameters ({ threads: 3, accounts: [100, 100] });
//                                                      answered by racelab:state
//   { type: 'racelab:stop', id? }                      stop the run in flight; answered by racelab:state
//   { type: 'racelab:get-state', id? }                 answered by racelab:state
// Frame -> host (to the sender, or to the parent for what the frame does on its own):
//   { type: 'racelab:ready', scenario, strategy, params, threads, limitation }   once, when it
//                                            can run; limitation: why runs are stepped, in one
//                                            sentence for the learner (null with real threads)
//   { type: 'racelab:state', id, scenario, strategy, params, threads, running }
//   { type: 'racelab:result', id, report }   every finished run, also those the learner starts
//                                            in the frame (id null); report as pg.run gives it
//   { type: 'racelab:error', id, field, message }   a message refused, or a run refused or failed;
//                                            field names what is at fault, message its allowed values
//   { type: 'racelab:height', height }       the frame's content height in CSS pixels, on every change
//
// `threads` says whether runs use real threads; where the frame cannot be isolated they are
// stepped (every thread takes turns on one), and report.executor says "stepped".
// Messages whose `type` does not start with "racelab:" are someone else's and ignored.

const COMMANDS = {
  'racelab:run': ['strategy', 'params'],
  'racelab:set-strategy': ['strategy'],
  'racelab:set-params': ['params'],
  'racelab:stop': [],
  'racelab:get-state': [],
};
const REQUIRED = { 'racelab:set-strategy': ['strategy'], 'racelab:set-params': ['params'] };

/** A refused message: `field` names the part at fault. */
export class MessageError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

const isPlain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * Checks a message's shape against `scenario` (its catalog entry). Returns null for a
 * message that is not racelab's, otherwise `{ type, id, strategy?, params? }` with params as
 * text (as the learner would type them, for the core to check their ranges). Throws a
 * MessageError naming the field at fault.
 * @param {unknown} data
 * @param {object} scenario
 */
export function readMessage(data, scenario) {
  if (!isPlain(data) || typeof data.type !== 'string' || !data.type.startsWith('racelab:')) return null;
  const fields = COMMANDS[data.type];
  if (!fields) {
    throw new MessageError('type', `unknown message "${data.type}"; racelab understands ${Object.keys(COMMANDS).join(', ')}`);
  }
  const id = data.id ?? null;
  if (id !== null && typeof id !== 'string' && !Number.isFinite(id)) {
    throw new MessageError('id', `must be a string or a number (it comes back in the answer), got ${typeof id}`);
  }
  for (const key of Object.keys(data)) {
    if (key !== 'type' && key !== 'id' && !fields.includes(key)) {
      const allowed = ['id', ...fields].join(', ');
      throw new MessageError(key, `${data.type} takes no "${key}"; its fields are ${allowed}`);
    }
  }
  for (const key of REQUIRED[data.type] ?? []) {
    if (data[key] === undefined) throw new MessageError(key, `${data.type} needs "${key}"`);
  }
  const out = { type: data.type, id };
  if (data.strategy !== undefined) {
    const ids = scenario.strategies.map((s) => s.id);
    if (typeof data.strategy !== 'string' || !ids.includes(data.strategy)) {
      throw new MessageError('strategy', `must be one of ${ids.join(', ')} (the lock placements of ${scenario.id}), got ${JSON.stringify(data.strategy) ?? typeof data.strategy}`);
    }
    out.strategy = data.strategy;
  }
  if (data.params !== undefined) {
    if (!isPlain(data.params)) throw new MessageError('params', 'must be an object like { threads: 3 }');
    out.params = {};
    for (const [name, value] of Object.entries(data.params)) {
      const spec = scenario.params.find((p) => p.name === name);
      if (!spec) {
        throw new MessageError(name, `${scenario.id} has no parameter "${name}"; its parameters are ${scenario.params.map((p) => p.name).join(', ')}`);
      }
      const scalar = (v) => typeof v === 'number' || typeof v === 'string';
      const ok = spec.type === 'int-list' ? (Array.isArray(value) && value.every(scalar)) || typeof value === 'string' : scalar(value);
      if (!ok) {
        const shape = spec.type === 'int-list' ? 'a list of whole numbers like [100, 100]' : 'a whole number';
        throw new MessageError(name, `must be ${shape}, got ${JSON.stringify(value) ?? typeof value}`);
      }
      out.params[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }
  return out;
}
