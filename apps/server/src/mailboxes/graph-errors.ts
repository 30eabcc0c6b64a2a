import { AppError } from '../core/errors.ts';
import { classify } from '../microsoft/classify.ts';

/** Graph failures in words: transient → 503 (try again), named causes → 409 with the cause. */
export async function graphAnswer<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const cls = classify(err);
    if (cls.kind === 'transient')
      throw new AppError('service_unavailable', {
        en: `Microsoft 365 did not answer in time. Try again. (${cls.detail})`,
        fr: `Microsoft 365 n’a pas répondu à temps. Réessayez. (${cls.detail})`,
      });
    // The cause is the contract's code (the same in both languages); the detail is Microsoft's own words.
    throw new AppError('conflict', {
      en: `Microsoft 365 refused: ${cls.cause} (${cls.detail})`,
      fr: `Microsoft 365 a refusé : ${cls.cause} (${cls.detail})`,
    });
  }
}
