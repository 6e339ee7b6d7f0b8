/** Access as GitHub grants it: permission name to `read`, `write` or `admin`, plus the events subscribed to. */
export interface GrantedAccess {
  permissions: Record<string, string>;
  events: string[];
}

/** The app's registration, as `GET /app` gives it to the app's own JWT. */
export interface AppRegistration extends GrantedAccess {
  id: number;
  slug: string;
  /** Who owns the registration: where its settings page is. */
  owner: { login: string; type: string } | undefined;
}

/** One account that installed the app, as `GET /app/installations` lists it. */
export interface AppInstallation extends GrantedAccess {
  id: number;
  account: string;
  /** The installation's settings page, where its owner accepts new permissions. */
  url: string | undefined;
  suspended: boolean;
}

/** What GitHub says about the app itself (app JWT, no installation). */
export interface GitHubAppPort {
  registration(): Promise<AppRegistration>;
  /** Its installations, a page at a time. */
  installations(): AsyncIterable<AppInstallation[]>;
}
