/** Change-notification subscriptions (filled in by part 2 step 5). */
export class Subscriptions {
  clear(): void {}
}
