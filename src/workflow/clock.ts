/** Time on the desk comes from a clock, so tests fix "today" instead of depending on the calendar. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** The UTC day of an instant, YYYY-MM-DD. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}
