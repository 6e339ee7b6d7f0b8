/** Placeholder for a command whose capability has not landed yet: says so and exits 2, never pretends. */
export function notAvailable(name: string) {
  return async (): Promise<number> => {
    process.stderr.write(`t0-ci-bot: "${name}" is not implemented in this version yet\n`);
    return 2;
  };
}
