-- When a delivery is given up (issue 20): the first claim sets it to the longest its retry schedule
-- can take; null before, and under store and forward.
ALTER TABLE "deliveries" ADD COLUMN "gives_up_at" timestamp with time zone;
--> statement-breakpoint
-- The longest a retry policy (a delivery's `retry`) can take from now, with attempts that time
-- out after attempt_timeout_ms: every delay at its longest (jitter included) and one attempt
-- timeout per attempt; null under store and forward. The claim (store/deliveries.ts) sets a
-- delivery's gives_up_at with it, once. One place for the rule, so that every process agrees.
CREATE FUNCTION wasla_gives_up_at(retry jsonb, attempt_timeout_ms float8) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
  SELECT CASE WHEN retry @> '{"storeAndForward": true}' THEN NULL ELSE
    now() + (coalesce(sum(step), 0) * 1000 * (1 + least(1, greatest(0, coalesce((retry ->> 'jitter')::float8, 0))))
      + (count(step) + 1) * attempt_timeout_ms) * interval '1 millisecond' END
  FROM (
    SELECT x::float8 AS step
    FROM jsonb_array_elements_text(CASE jsonb_typeof(retry -> 'schedule') WHEN 'array' THEN retry -> 'schedule' ELSE '[]'::jsonb END) AS x
  ) steps
$$;
