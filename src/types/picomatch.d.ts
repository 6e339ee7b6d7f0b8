// picomatch ships no types; only what the app calls is declared.
declare module "picomatch" {
  interface PicomatchOptions {
    dot?: boolean;
  }
  const picomatch: {
    makeRe(glob: string, options?: PicomatchOptions): RegExp;
  };
  export default picomatch;
}
