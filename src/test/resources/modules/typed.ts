// TypeScript that Node.js 22 runs by stripping its types (no transform: no enums, namespaces or
// parameter properties).
export interface Point {
  x: number;
  y: number;
}

export function norm(point: Point): number {
  return Math.hypot(point.x, point.y);
}

export const label: string = 'typed';

type Pair<T> = [T, T];

export function swap<T>([a, b]: Pair<T>): Pair<T> {
  return [b, a];
}
