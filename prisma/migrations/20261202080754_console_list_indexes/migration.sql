-- The console's list at 100,000 accounts (lib/console/authorizer-list.ts, bench/console-list.ts).

-- CreateIndex
CREATE INDEX "authorizers_component_appid_status_nick_name_appid_idx" ON "authorizers"("component_appid", "status", "nick_name", "appid");

-- Hand-written (Prisma cannot express functions or expression indexes): the name search's index.
-- A GIN index over each name's characters and character pairs (lower-cased), so "names containing q"
-- becomes "names holding every pair of q", answered from the index. Not pg_trgm: Chinese searches are
-- mostly two characters, which give pg_trgm no trigram to look up, and under the C locale of the
-- embedded server (initdb --no-locale) pg_trgm takes no trigram from Chinese text at all. Pairs work
-- for any length from one character and any locale, with the built-in array GIN operators.
CREATE FUNCTION "console_name_grams"(name text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(
    SELECT DISTINCT substr(lower(name), i, n)
    FROM generate_series(1, char_length(lower(name))) AS i, (VALUES (1), (2)) AS w(n)
    WHERE i + n - 1 <= char_length(lower(name))
  );

-- What a search for q looks up: its character pairs (q itself when it is one character).
CREATE FUNCTION "console_search_grams"(q text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN char_length(lower(q)) < 2 THEN ARRAY[lower(q)]
    ELSE ARRAY(SELECT DISTINCT substr(lower(q), i, 2) FROM generate_series(1, char_length(lower(q)) - 1) AS i) END;

CREATE INDEX "authorizers_nick_name_grams_idx" ON "authorizers" USING gin ("console_name_grams"("nick_name"));

-- The search's appid prefix (LIKE 'wx12%'), whatever the database's collation: the query pairs
-- lower(appid) LIKE with its own appid LIKE, so this index serves it without changing what matches.
CREATE INDEX "authorizers_appid_prefix_idx" ON "authorizers" (lower("appid") text_pattern_ops);
