#include <sqlite3.h>

/// sqlite3_config is variadic, which Swift cannot call. Turning off allocation statistics must
/// happen before the first connection: with them on, every allocation takes a global mutex.
static inline int csqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
