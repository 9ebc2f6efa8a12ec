/** One step of a path into a JSON document: an object key or an array index. */
export type PathSegment = string | number;

/** Escapes one JSON pointer segment (RFC 6901: `~` becomes `~0`, `/` becomes `~1`). */
export function escapePointerSegment(segment: PathSegment): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Builds a JSON pointer from path segments, e.g. `['nodes', 3, 'name']` gives `/nodes/3/name`.
 * An empty path gives `''`, the pointer to the whole document.
 */
export function toPointer(segments: readonly PathSegment[]): string {
  let pointer = '';
  for (const segment of segments) pointer += '/' + escapePointerSegment(segment);
  return pointer;
}
