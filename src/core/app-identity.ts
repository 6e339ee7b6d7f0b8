/** The login GitHub gives an app registered under app.yml's name; used until BOT_LOGIN or GitHub says otherwise. */
export const DEFAULT_BOT_LOGIN = "t0-ci-bot[bot]";

/**
 * Who the app is on GitHub, for telling its own activity (runs it triggered, its reviews) from people's.
 * App names are unique across GitHub, so an app registered from app.yml often gets another name than
 * "t0-ci-bot", and its bot login with it. The start-up check asks GitHub (`GET /app`) and `learn`s the
 * real one; until then, and when GitHub cannot be asked, BOT_LOGIN (or the default) stands.
 */
export class AppIdentity {
  readonly #configured: string | undefined;
  #learned: string | undefined;
  #logins: ReadonlySet<string>;

  constructor(botLogin?: string) {
    this.#configured = botLogin?.trim() ? normalise(botLogin) : undefined;
    this.#logins = this.#compute();
  }

  /** `<slug>[bot]` as GitHub names the app. Returns whether that changed who counts as the app. */
  learn(slug: string): boolean {
    const login = normalise(slug);
    if (login === this.#learned) return false;
    const before = [...this.#logins].sort().join();
    this.#learned = login;
    this.#logins = this.#compute();
    return [...this.#logins].sort().join() !== before;
  }

  /** The login to show: what GitHub said, else BOT_LOGIN, else the default. */
  get botLogin(): string {
    return this.#learned ?? this.#configured ?? DEFAULT_BOT_LOGIN;
  }

  /** BOT_LOGIN as set, when it names another bot than GitHub's answer (a setting to correct). */
  get conflictingSetting(): string | undefined {
    return this.#learned && this.#configured && this.#configured !== this.#learned ? this.#configured : undefined;
  }

  /**
   * Lower-case logins that mean the app, each with and without `[bot]`: GitHub's answer and BOT_LOGIN when
   * set (an operator may have named it on purpose), the default only while nothing better is known.
   */
  logins(): ReadonlySet<string> {
    return this.#logins;
  }

  #compute(): ReadonlySet<string> {
    const names = [this.#learned, this.#configured].filter((n): n is string => !!n);
    const out = new Set<string>();
    for (const login of names.length ? names : [DEFAULT_BOT_LOGIN]) {
      const bare = login.replace(/\[bot\]$/, "");
      out.add(bare).add(`${bare}[bot]`);
    }
    return out;
  }
}

function normalise(login: string): string {
  const l = login.trim().toLowerCase();
  return l.endsWith("[bot]") ? l : `${l}[bot]`;
}
