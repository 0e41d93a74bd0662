// Days and clock times of a maintenance window, as Alertmanager 0.25's time intervals read them.
// Its own module (no TypeBox import) because cross-checks.ts is bundled into the agent, which
// should not carry the schema library.

/** In Alertmanager's order: its weekday ranges run sunday → saturday ("monday:sunday" is refused). */
export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** `sunday` → 0 ... `saturday` → 6 (Alertmanager's numbering). */
export const weekdayIndex = (day: string): number => WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]);

/** `22:00-24:00` → [1320, 1440] in minutes of the day. */
export function timeRangeMinutes(range: string): [number, number] {
  const [start, end] = range.split("-").map((t) => {
    const [h, m] = t.split(":").map(Number);
    return h! * 60 + m!;
  });
  return [start!, end!];
}
