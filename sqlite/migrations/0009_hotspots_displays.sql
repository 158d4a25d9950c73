-- 0009: the cases behind a hot-spot cell (CaseFilter.Cells) and the display screens' tokens.
--
-- The cell is the res-9 H3 cell the router stored on the case (routing.cell, the cell of its
-- WGS-84 point). An index on the body's field rather than a column of its own, as for the
-- reporter's phone (0007): it covers the cases already stored as it is built, there is nothing
-- to keep in step with the body, and no column for the audit to compare. With created_at
-- second, a cell's cases of a period are one range of it.
CREATE INDEX cases_cell ON cases (json_extract(body, '$.routing.cell'), created_at);

-- A display screen's token (电子显示屏): not an account; it reads the public screen and nothing
-- else. Only the token's SHA-256 (hex) is kept; name names the screen (unique), disabled refuses it.
CREATE TABLE display_tokens (
    hash       TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0
);
