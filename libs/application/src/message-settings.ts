/** What the message use cases (create, bulk create) need from the app's config: the content limit. */
export class MessageSettings {
  /** Longest content, in characters. */
  maxContentLength!: number;
}
