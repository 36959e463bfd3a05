// How schedules' times and sensors' intervals read: a schedule's ticks in its own zone, with the offset.

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(zone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      timeZoneName: "longOffset",
    });
    zoneFormats.set(zone, format);
  }
  return format;
}

/** "2026-01-01 00:00 +09:00": the time as the schedule's zone reads it (the offset the server wrote when no zone works). */
export function formatInZone(iso: string, zone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (zone) {
    try {
      const parts = Object.fromEntries(zoneFormat(zone).formatToParts(date).map((p) => [p.type, p.value]));
      const offset = (parts.timeZoneName ?? "").replace(/^GMT/, "") || "+00:00";
      return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${offset}`;
    } catch {
      // A zone this browser does not know: fall through to the text as the server wrote it.
    }
  }
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  return m ? `${m[1]} ${m[2]} ${m[3] === "Z" ? "+00:00" : m[3]}` : iso;
}

/** A .NET TimeSpan as JSON writes it ("00:00:05", "1.02:00:00", "00:00:00.5000000") in words: "5 s", "1 d 2 h". */
export function formatInterval(text?: string): string {
  if (!text) return "";
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(text);
  if (!m) return text;
  const [days, hours, minutes, seconds] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3]), Number(m[4])];
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (seconds || parts.length === 0) parts.push(`${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`);
  return parts.join(" ");
}

export const sensorKindLabels: Record<string, string> = {
  function: "function sensor",
  asset: "asset sensor",
  runStatus: "run-status sensor",
};
