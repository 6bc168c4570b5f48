extension Migrations {
    /// The reporting functions of migration 0004 (see `m0004Reporting`). Each takes a time range
    /// `[range_from, range_to)` and, for series, a bucket width; `report_check_range` refuses bad
    /// input with SQLSTATE 22023 (invalid_parameter_value).
    static let m0004ReportingFunctions = """
        -- Functions over a time range [range_from, range_to) and a bucket width. Buckets are aligned to
        -- the Unix epoch (date_bin), so the first and last may extend past the range; their
        -- bucket_seconds count only the part inside it, and rates divide by that.

        -- Refuses an empty or reversed range, a bucket that is not positive or has months or years
        -- (date_bin cannot bin those), and more than 10,000 buckets. SQLSTATE 22023.
        CREATE FUNCTION report_check_range(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS void LANGUAGE plpgsql IMMUTABLE AS $$
        BEGIN
            IF range_from IS NULL OR range_to IS NULL OR range_from >= range_to THEN
                RAISE EXCEPTION 'report range: from (%) must be before to (%)', range_from, range_to
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF bucket IS NOT NULL THEN
                IF extract(year FROM bucket) <> 0 OR extract(month FROM bucket) <> 0 THEN
                    RAISE EXCEPTION 'report bucket % has months or years; use days or less', bucket
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF bucket <= interval '0' THEN
                    RAISE EXCEPTION 'report bucket % must be positive', bucket
                        USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF extract(epoch FROM range_to - range_from) / extract(epoch FROM bucket) > 10000 THEN
                    RAISE EXCEPTION 'report range of % in buckets of % makes more than 10000 buckets',
                        range_to - range_from, bucket USING ERRCODE = 'invalid_parameter_value';
                END IF;
            END IF;
        END
        $$;

        -- The buckets covering the range, with the seconds of each that lie inside it.
        CREATE FUNCTION report_buckets(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, bucket_end timestamptz, bucket_seconds float8)
        LANGUAGE sql STABLE AS $$
            SELECT report_check_range(range_from, range_to, bucket);
            SELECT s, s + bucket, extract(epoch FROM least(s + bucket, range_to) - greatest(s, range_from))::float8
            FROM generate_series(date_bin(bucket, range_from, timestamptz 'epoch'), range_to, bucket) s
            WHERE s < range_to
            ORDER BY s;
        $$;

        -- Throughput: batches and transactions (accepted, rejected by execution) committed per bucket,
        -- and per second. Transactions rejected before execution (signature, pool) are never stored.
        CREATE FUNCTION report_throughput(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, bucket_seconds float8, batches bigint, accepted bigint,
                       rejected bigint, accepted_per_second float8, rejected_per_second float8)
        LANGUAGE sql STABLE AS $$
            WITH binned AS (
                SELECT date_bin(bucket, b.committed_at, timestamptz 'epoch') AS bin, count(*) AS batches,
                       sum(b.accepted_count)::bigint AS accepted, sum(b.tx_count - b.accepted_count)::bigint AS rejected
                FROM batches b
                WHERE b.number > 0 AND b.committed_at >= range_from AND b.committed_at < range_to
                GROUP BY 1)
            SELECT s.bucket_start, s.bucket_seconds, coalesce(x.batches, 0), coalesce(x.accepted, 0),
                   coalesce(x.rejected, 0), coalesce(x.accepted, 0) / s.bucket_seconds,
                   coalesce(x.rejected, 0) / s.bucket_seconds
            FROM report_buckets(range_from, range_to, bucket) s
            LEFT JOIN binned x ON x.bin = s.bucket_start
            ORDER BY s.bucket_start;
        $$;

        -- Totals over the range, the average rate and the busiest second.
        CREATE FUNCTION report_summary(range_from timestamptz, range_to timestamptz)
        RETURNS TABLE (batches bigint, first_batch bigint, last_batch bigint, accepted bigint, rejected bigint,
                       accepted_per_second float8, peak_accepted_per_second bigint)
        LANGUAGE sql STABLE AS $$
            SELECT report_check_range(range_from, range_to, NULL);
            SELECT count(*), min(b.number), max(b.number), coalesce(sum(b.accepted_count), 0)::bigint,
                   coalesce(sum(b.tx_count - b.accepted_count), 0)::bigint,
                   coalesce(sum(b.accepted_count), 0) / extract(epoch FROM range_to - range_from)::float8,
                   (SELECT coalesce(max(per_second), 0) FROM (
                        SELECT sum(p.accepted_count)::bigint AS per_second
                        FROM batches p
                        WHERE p.number > 0 AND p.committed_at >= range_from AND p.committed_at < range_to
                        GROUP BY date_bin(interval '1 second', p.committed_at, timestamptz 'epoch')) seconds)
            FROM batches b
            WHERE b.number > 0 AND b.committed_at >= range_from AND b.committed_at < range_to;
        $$;

        -- Latency distributions (milliseconds) of the events that ended in the range, one row per
        -- metric, always all five: batch_processing (batch closed -> committed), confirmation (accepted
        -- transaction received -> its batch committed), l1_confirmation and finality (commitment posted
        -- -> confirmed, -> finalized), challenge_resolution (opened -> resolved). Percentiles
        -- interpolate (percentile_cont); they are NULL when samples = 0.
        CREATE FUNCTION report_latency(range_from timestamptz, range_to timestamptz)
        RETURNS TABLE (metric text, samples bigint, p50_ms float8, p90_ms float8, p99_ms float8, max_ms float8,
                       mean_ms float8)
        LANGUAGE sql STABLE AS $$
            SELECT report_check_range(range_from, range_to, NULL);
            SELECT x.metric, x.samples, x.pct[1], x.pct[2], x.pct[3], x.max_ms, x.mean_ms FROM (
                SELECT 1 AS ord, 'batch_processing' AS metric, count(processing_ms) AS samples,
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY processing_ms) AS pct,
                       max(processing_ms) AS max_ms, avg(processing_ms) AS mean_ms
                FROM report_batches WHERE committed_at >= range_from AND committed_at < range_to
                UNION ALL
                SELECT 2, 'confirmation', count(confirmation_ms),
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY confirmation_ms),
                       max(confirmation_ms), avg(confirmation_ms)
                FROM report_confirmations WHERE committed_at >= range_from AND committed_at < range_to
                UNION ALL
                SELECT 3, 'l1_confirmation', count(confirm_ms),
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY confirm_ms),
                       max(confirm_ms), avg(confirm_ms)
                FROM report_commitments WHERE confirmed_at >= range_from AND confirmed_at < range_to
                UNION ALL
                SELECT 4, 'finality', count(finalize_ms),
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY finalize_ms),
                       max(finalize_ms), avg(finalize_ms)
                FROM report_commitments WHERE finalized_at >= range_from AND finalized_at < range_to
                UNION ALL
                SELECT 5, 'challenge_resolution', count(resolution_ms),
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY resolution_ms),
                       max(resolution_ms), avg(resolution_ms)
                FROM report_challenges WHERE resolved_at >= range_from AND resolved_at < range_to
            ) x
            ORDER BY x.ord;
        $$;

        -- Batch processing and confirmation latency per bucket (percentiles, milliseconds; NULL for a
        -- bucket without samples).
        CREATE FUNCTION report_latency_series(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, batch_p50_ms float8, batch_p90_ms float8, batch_p99_ms float8,
                       batch_max_ms float8, confirmation_p50_ms float8, confirmation_p90_ms float8,
                       confirmation_p99_ms float8, confirmation_max_ms float8)
        LANGUAGE sql STABLE AS $$
            WITH bp AS (
                SELECT date_bin(bucket, committed_at, timestamptz 'epoch') AS bin,
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY processing_ms) AS pct,
                       max(processing_ms) AS max_ms
                FROM report_batches WHERE committed_at >= range_from AND committed_at < range_to
                GROUP BY 1),
            cf AS (
                SELECT date_bin(bucket, committed_at, timestamptz 'epoch') AS bin,
                       percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY confirmation_ms) AS pct,
                       max(confirmation_ms) AS max_ms
                FROM report_confirmations WHERE committed_at >= range_from AND committed_at < range_to
                GROUP BY 1)
            SELECT s.bucket_start, bp.pct[1], bp.pct[2], bp.pct[3], bp.max_ms,
                   cf.pct[1], cf.pct[2], cf.pct[3], cf.max_ms
            FROM report_buckets(range_from, range_to, bucket) s
            LEFT JOIN bp ON bp.bin = s.bucket_start
            LEFT JOIN cf ON cf.bin = s.bucket_start
            ORDER BY s.bucket_start;
        $$;

        -- State size per bucket: the account count after the newest batch committed by the bucket's
        -- end (carried over buckets without batches), the batch it comes from, and the growth since the
        -- previous bucket. Batches that record 0 accounts (written before migration 0003) are unknown
        -- and skipped; NULL until a known size is found.
        CREATE FUNCTION report_state_size(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, batch bigint, accounts bigint, growth bigint)
        LANGUAGE sql STABLE AS $$
            WITH before AS (
                SELECT b.number, b.account_count FROM batches b
                WHERE b.account_count > 0 AND b.committed_at < range_from
                ORDER BY b.committed_at DESC, b.number DESC LIMIT 1),
            per_bin AS (
                SELECT DISTINCT ON (1) date_bin(bucket, b.committed_at, timestamptz 'epoch') AS bin, b.number,
                       b.account_count
                FROM batches b
                WHERE b.account_count > 0 AND b.committed_at >= range_from AND b.committed_at < range_to
                ORDER BY 1, b.number DESC),
            grouped AS (
                SELECT s.bucket_start, p.number, p.account_count,
                       count(p.number) OVER (ORDER BY s.bucket_start) AS grp
                FROM report_buckets(range_from, range_to, bucket) s
                LEFT JOIN per_bin p ON p.bin = s.bucket_start),
            filled AS (
                SELECT g.bucket_start,
                       coalesce(max(g.number) OVER w, CASE WHEN g.grp = 0 THEN (SELECT number FROM before) END) AS batch,
                       coalesce(max(g.account_count) OVER w,
                                CASE WHEN g.grp = 0 THEN (SELECT account_count FROM before) END) AS accounts
                FROM grouped g
                WINDOW w AS (PARTITION BY g.grp))
            SELECT f.bucket_start, f.batch, f.accounts,
                   f.accounts - lag(f.accounts, 1, (SELECT account_count FROM before)) OVER (ORDER BY f.bucket_start)
            FROM filled f
            ORDER BY f.bucket_start;
        $$;

        -- Leadership terms active at some point of the range (begun before its end, not ended before its
        -- start), with their whole-term figures from report_leader_terms.
        CREATE FUNCTION report_leadership(range_from timestamptz, range_to timestamptz)
        RETURNS TABLE (term bigint, holder text, endpoint text, previous text, acquired_at timestamptz,
                       ended_at timestamptz, batches bigint, first_batch_at timestamptz, last_batch_at timestamptz,
                       handover_gap_ms float8)
        LANGUAGE sql STABLE AS $$
            SELECT report_check_range(range_from, range_to, NULL);
            SELECT t.term, t.holder, t.endpoint, t.previous, t.acquired_at, t.ended_at, t.batches,
                   t.first_batch_at, t.last_batch_at, t.handover_gap_ms
            FROM report_leader_terms t
            WHERE t.acquired_at < range_to AND (t.ended_at IS NULL OR t.ended_at > range_from)
            ORDER BY t.term;
        $$;

        -- Finality progress per bucket: commitments posted, confirmed on L1, finalized and reverted in
        -- it, and at its end (clipped to the range) the newest committed batch (head) and the highest
        -- batch covered by a posted, a confirmed and a finalized commitment not reverted by then.
        CREATE FUNCTION report_finality(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, posted bigint, confirmed bigint, finalized bigint, reverted bigint,
                       head_batch bigint, posted_batch bigint, confirmed_batch bigint, finalized_batch bigint)
        LANGUAGE sql STABLE AS $$
            WITH events (bin, kind) AS (
                SELECT date_bin(bucket, c.posted_at, timestamptz 'epoch'), 'posted' FROM l1_commitments c
                WHERE c.posted_at >= range_from AND c.posted_at < range_to
                UNION ALL
                SELECT date_bin(bucket, c.confirmed_at, timestamptz 'epoch'), 'confirmed' FROM l1_commitments c
                WHERE c.confirmed_at >= range_from AND c.confirmed_at < range_to
                UNION ALL
                SELECT date_bin(bucket, c.finalized_at, timestamptz 'epoch'), 'finalized' FROM l1_commitments c
                WHERE c.finalized_at >= range_from AND c.finalized_at < range_to
                UNION ALL
                SELECT date_bin(bucket, c.reverted_at, timestamptz 'epoch'), 'reverted' FROM l1_commitments c
                WHERE c.reverted_at >= range_from AND c.reverted_at < range_to),
            counts AS (
                SELECT e.bin, count(*) FILTER (WHERE e.kind = 'posted') AS posted,
                       count(*) FILTER (WHERE e.kind = 'confirmed') AS confirmed,
                       count(*) FILTER (WHERE e.kind = 'finalized') AS finalized,
                       count(*) FILTER (WHERE e.kind = 'reverted') AS reverted
                FROM events e GROUP BY e.bin)
            SELECT s.bucket_start, coalesce(n.posted, 0), coalesce(n.confirmed, 0), coalesce(n.finalized, 0),
                   coalesce(n.reverted, 0),
                   (SELECT b.number FROM batches b WHERE b.committed_at < e.at ORDER BY b.committed_at DESC LIMIT 1),
                   (SELECT max(c.last_batch) FROM l1_commitments c
                    WHERE c.posted_at < e.at AND (c.reverted_at IS NULL OR c.reverted_at >= e.at)),
                   (SELECT max(c.last_batch) FROM l1_commitments c
                    WHERE c.confirmed_at < e.at AND (c.reverted_at IS NULL OR c.reverted_at >= e.at)),
                   (SELECT max(c.last_batch) FROM l1_commitments c
                    WHERE c.finalized_at < e.at AND (c.reverted_at IS NULL OR c.reverted_at >= e.at))
            FROM report_buckets(range_from, range_to, bucket) s
            CROSS JOIN LATERAL (SELECT least(s.bucket_end, range_to) AS at) e
            LEFT JOIN counts n ON n.bin = s.bucket_start
            ORDER BY s.bucket_start;
        $$;

        -- Challenge activity per bucket: opened, resolved (and by whom won: winner is 'challenger' or
        -- 'proposer'), and how many were open at the bucket's end (clipped to the range).
        CREATE FUNCTION report_challenge_activity(range_from timestamptz, range_to timestamptz, bucket interval)
        RETURNS TABLE (bucket_start timestamptz, opened bigint, resolved bigint, challenger_wins bigint,
                       proposer_wins bigint, open_at_end bigint)
        LANGUAGE sql STABLE AS $$
            WITH opened AS (
                SELECT date_bin(bucket, ch.opened_at, timestamptz 'epoch') AS bin, count(*) AS n
                FROM challenges ch WHERE ch.opened_at >= range_from AND ch.opened_at < range_to GROUP BY 1),
            resolved AS (
                SELECT date_bin(bucket, ch.resolved_at, timestamptz 'epoch') AS bin, count(*) AS n,
                       count(*) FILTER (WHERE ch.winner = 'challenger') AS challenger_wins,
                       count(*) FILTER (WHERE ch.winner = 'proposer') AS proposer_wins
                FROM challenges ch WHERE ch.resolved_at >= range_from AND ch.resolved_at < range_to GROUP BY 1)
            SELECT s.bucket_start, coalesce(o.n, 0), coalesce(r.n, 0), coalesce(r.challenger_wins, 0),
                   coalesce(r.proposer_wins, 0),
                   (SELECT count(*) FROM challenges ch
                    WHERE ch.opened_at < least(s.bucket_end, range_to)
                      AND (ch.resolved_at IS NULL OR ch.resolved_at >= least(s.bucket_end, range_to)))
            FROM report_buckets(range_from, range_to, bucket) s
            LEFT JOIN opened o ON o.bin = s.bucket_start
            LEFT JOIN resolved r ON r.bin = s.bucket_start
            ORDER BY s.bucket_start;
        $$;
        """
}
