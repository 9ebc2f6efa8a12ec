import type { JsonValue } from './json.js';

/** Assigns an own property, also for a `__proto__` key (JSON.parse makes those; `=` would set the prototype). */
export function setOwn(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
