-- Directory files uploaded from the web, kept between the preview of their report and the
-- confirmation (PostgreSQL). In the database, not in a process, so any server instance can confirm.
CREATE TABLE pending_imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,           -- interop::directory_file::DirectoryFormat::code
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
