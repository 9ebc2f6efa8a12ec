// @ts-check

/**
 * Guest code evaluated in each fresh QuickJS context before the user's code. It receives the
 * host's log function, installs `console`, removes what a script has no use for, and returns
 * the runner: `run(fn, valuesJson)` parses the variables, awaits the user's function and
 * returns its result as a JSON string, or `{ what, path }` naming the first value that is not
 * JSON. The intrinsics it relies on are captured before user code can replace them.
 */
export const BOOTSTRAP = String.raw`(function (hostLog) {
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const isArray = Array.isArray;
  const keys = Object.keys;
  const apply = Reflect.apply;
  const objectToString = Object.prototype.toString;
  const isFiniteNumber = Number.isFinite;
  const toText = String;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const test = RegExp.prototype.test;

  function format(value) {
    if (typeof value === 'string') return value;
    try {
      const text = stringify(value);
      return text === undefined ? toText(value) : text;
    } catch {
      try {
        return toText(value);
      } catch {
        return '[unprintable]';
      }
    }
  }
  function writer(level) {
    return function (...args) {
      let text = '';
      for (let i = 0; i < args.length; i++) text += (i === 0 ? '' : ' ') + format(args[i]);
      hostLog(level, text);
    };
  }
  Object.defineProperty(globalThis, 'console', {
    value: Object.freeze({
      log: writer('info'),
      info: writer('info'),
      debug: writer('debug'),
      warn: writer('warn'),
      error: writer('error'),
    }),
    writable: false,
    configurable: false,
  });
  delete globalThis.SharedArrayBuffer;
  delete globalThis.Atomics;
  delete globalThis.WebAssembly;

  function article(name) {
    return (apply(test, /^[AEIOU]/, [name]) ? 'an ' : 'a ') + name;
  }
  function check(value, path, ancestors) {
    if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') {
      value = value.toJSON();
    }
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return undefined;
      case 'number':
        return isFiniteNumber(value) ? undefined : { what: toText(value), path };
      case 'function':
        return { what: 'a function', path };
      case 'symbol':
        return { what: 'a symbol', path };
      case 'bigint':
        return { what: 'a BigInt', path };
    }
    if (value === null) return undefined;
    for (let i = 0; i < ancestors.length; i++) {
      if (ancestors[i] === value) return { what: 'a cyclic reference', path };
    }
    const tag = apply(objectToString, value, []).slice(8, -1);
    if (tag !== 'Object' && tag !== 'Array') return { what: article(tag), path };
    ancestors[ancestors.length] = value;
    if (isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = check(value[i], path + '[' + i + ']', ancestors);
        if (problem) return problem;
      }
    } else {
      const names = keys(value);
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        const step = apply(test, identifier, [name]) ? '.' + name : '[' + stringify(name) + ']';
        const problem = check(value[name], path + step, ancestors);
        if (problem) return problem;
      }
    }
    ancestors.length -= 1;
    return undefined;
  }

  return async function run(fn, valuesJson) {
    const result = await apply(fn, undefined, parse(valuesJson));
    if (result === undefined) return 'null';
    const problem = check(result, '', []);
    return problem === undefined ? stringify(result) : problem;
  };
})`;
