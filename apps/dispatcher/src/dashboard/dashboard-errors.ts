/**
 * What a dashboard request can end in besides its page, turned into an answer by
 * DashboardExceptionFilter. Plain errors, not DomainErrors: they belong to the dashboard's HTTP
 * edge, not to the use cases.
 */

/** No valid session: a page redirects to sign-in (303), a fragment or htmx request gets 401. */
export class SignInRequired extends Error {
  constructor() {
    super('sign in first');
    this.name = 'SignInRequired';
  }
}

/** A state-changing request without the CSRF token or from another origin: 403, nothing changed. */
export class ActionRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ActionRefused';
  }
}

/** An error page with a status, a title and a sentence for the operator (400, 404, 409...). */
export class DashboardPageError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'DashboardPageError';
  }
}
