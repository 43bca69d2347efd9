/*
 * migrations.h — sql/ built into the program by scripts/embed-sql.
 *
 * gb_migrations: the numbered migrations of sql/migrations/ (types,
 * tables, indexes, data moves), in ascending order, each applied once.
 * gb_code: the code files of sql/ (functions, views, triggers, grants),
 * in the order they are applied; each can be applied again.  Both end
 * with a zero entry.
 */
#ifndef GELOMBANG_MIGRATIONS_H
#define GELOMBANG_MIGRATIONS_H

struct gb_migration {
	int version;
	const char *name;
	const char *sql;
};

struct gb_code_file {
	const char *name;
	const char *sql;
};

extern const struct gb_migration gb_migrations[];
extern const struct gb_code_file gb_code[];

#endif
