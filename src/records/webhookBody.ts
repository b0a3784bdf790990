import { parseRecordText, recordsOf, type AcceptedRecord, type RejectedRecord } from "./classify.js";
import { createEventKeyer, documentIdentity } from "./eventKey.js";
import { isJsonObject } from "./json.js";
import { columnTextProblem } from "./schemas.js";
import { recordText, withoutByteOrderMark } from "./utf8.js";

/**
 * The one record a webhook body holds, keyed (its event id, else the delivery id): it must be a
 * single event in webhook form, in UTF-8; anything else is the body rejected whole.
 */
export function webhookRecord(body: Buffer, origin: string, deliveryId: string | undefined): { record: AcceptedRecord; key: string } | RejectedRecord {
  const text = recordText(body, origin);
  if (typeof text !== "string") return text;
  // The signature covers the bytes as sent; the record is read without a leading byte-order mark, as a file's first line is.
  const raw = withoutByteOrderMark(text);
  const parsed = parseRecordText(raw, raw, origin);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (!isJsonObject(value) || value.object !== "event") {
    return { ok: false, reason: 'a webhook body must be one event: {"object":"event","type":…,"data":…}', path: "$", origin, raw };
  }
  const [record] = recordsOf(value, raw, origin);
  if (!record!.ok) return record as RejectedRecord;
  const key = createEventKeyer(() => documentIdentity(body)).key(record as AcceptedRecord, deliveryId);
  // Where the keyer chose the delivery id (the event has none of its own), it becomes a column as an id does.
  const deliveryIdProblem = key === deliveryId && key !== (record as AcceptedRecord).eventId ? columnTextProblem(key) : null;
  if (deliveryIdProblem) return { ok: false, reason: `webhook-id header: ${deliveryIdProblem}`, path: null, origin, raw };
  return { record: record as AcceptedRecord, key };
}
