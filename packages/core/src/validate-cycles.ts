import { ProblemCodes, type ValidationContext } from './validation-context.js';

interface Arc {
  to: string;
  edgeIndex: number;
}

/**
 * Reports every cycle of edges (one per strongly connected component) with the names of its
 * nodes and a pointer to the cycle's last edge in document order: usually the edge that was
 * added last, the likely mistake. Repetition belongs in a `flow.loop` container.
 */
export function checkCycles(ctx: ValidationContext): void {
  const arcs = new Map<string, Arc[]>();
  ctx.edges.forEach((edge, edgeIndex) => {
    if (edge === undefined || !ctx.byId.has(edge.from) || !ctx.byId.has(edge.to)) return;
    const list = arcs.get(edge.from);
    if (list) list.push({ to: edge.to, edgeIndex });
    else arcs.set(edge.from, [{ to: edge.to, edgeIndex }]);
  });
  for (const component of stronglyConnected([...ctx.byId.keys()], arcs)) {
    const members = new Set(component);
    let closing: (Arc & { from: string }) | undefined;
    for (const from of component) {
      for (const arc of arcs.get(from) ?? []) {
        if (members.has(arc.to) && (closing === undefined || arc.edgeIndex > closing.edgeIndex)) {
          closing = { ...arc, from };
        }
      }
    }
    if (closing === undefined) continue;
    const path = shortestPath(closing.to, closing.from, members, arcs);
    const names = [...path, closing.to].map((id) => `"${ctx.byId.get(id)?.node.name ?? id}"`);
    ctx.problems.push({
      path: `/edges/${closing.edgeIndex}`,
      message: `cycle ${names.join(' -> ')}; edges may not loop back (use a flow.loop container to repeat steps)`,
      code: ProblemCodes.cycle,
    });
  }
}

/** Node ids from `start` to `goal` (both included) along arcs inside `members`. */
function shortestPath(
  start: string,
  goal: string,
  members: ReadonlySet<string>,
  arcs: ReadonlyMap<string, Arc[]>,
): string[] {
  const previous = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  for (let head = 0; head < queue.length && !previous.has(goal); head++) {
    const current = queue[head]!;
    for (const arc of arcs.get(current) ?? []) {
      if (members.has(arc.to) && !previous.has(arc.to)) {
        previous.set(arc.to, current);
        queue.push(arc.to);
      }
    }
  }
  const path: string[] = [];
  for (let at: string | null | undefined = goal; at != null; at = previous.get(at))
    path.unshift(at);
  return path;
}

/** Tarjan's algorithm, iterative so a 10,000-node chain cannot overflow the stack. */
function stronglyConnected(ids: readonly string[], arcs: ReadonlyMap<string, Arc[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = arcs.get(frame.id) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++]!.to;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ id: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined)
        low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.id);
        components.push(component);
      }
    }
  }
  return components;
}
