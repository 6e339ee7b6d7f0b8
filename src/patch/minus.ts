/** Multiset difference: the items of `a` not matched by one in `b`. */
export function minus(a: string[], b: string[]): string[] {
  const left = [...b];
  return a.filter((v) => {
    const k = left.indexOf(v);
    if (k < 0) return true;
    left.splice(k, 1);
    return false;
  });
}
