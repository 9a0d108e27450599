// SQLite from Debian's libsqlite3-dev. SQLITE_TRANSIENT is a macro Swift cannot import.
#include <sqlite3.h>
static inline sqlite3_destructor_type famol_sqlite_transient(void) { return SQLITE_TRANSIENT; }
