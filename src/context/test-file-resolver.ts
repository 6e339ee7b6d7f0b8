import type { FailedTest } from "../logs/types.js";
import { fileBySuffix, logPathInCheckout } from "./repo-files.js";

/**
 * Places a failing test's file, as its runner printed it, in the checkout. A runner prints the path from its
 * working directory: jest's `FAIL ./src/a.test.js`, or `FAIL /app/src/a.test.js` in a container whose workdir
 * is /app. A path in the runner's checkout is made the checkout's (logPathInCheckout); then the longest tail of
 * it that is a file of the checkout, or ends just one, is the file (fileBySuffix, as go's base names are placed):
 * `src/a.test.js` of `/app/src/a.test.js`. One that cannot be placed is kept as printed, without its `./`: a
 * guess would be worse.
 *
 * `files` are the checkout's files (listRepoFiles). go's base names are goFileResolver's, not this.
 */
export function testFileResolver(files: readonly string[]): (test: FailedTest) => FailedTest {
  return (t) => {
    // A pytest node id names its file itself (`tests/test_a.py::test_x`): the pair stays as pytest printed it.
    if (t.file === undefined || t.name.startsWith(`${t.file}::`)) return t;
    const printed = logPathInCheckout(t.file);
    const file = fileBySuffix(files, printed, { wholeFirst: true }) ?? printed;
    if (file === t.file) return t;
    // A file that failed as a whole (jest's suite that failed to run) is its own entry's name.
    return { ...t, file, ...(t.name === t.file ? { name: file } : {}) };
  };
}
