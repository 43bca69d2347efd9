/*
 * migrations.h — the numbered migrations of sql/, built into the program
 * by scripts/embed-sql, in ascending order, ending with a zero entry.
 */
#ifndef GELOMBANG_MIGRATIONS_H
#define GELOMBANG_MIGRATIONS_H

struct gb_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct gb_migration gb_migrations[];

#endif
