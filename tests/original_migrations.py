"""A migration executor over the original migrations of our apps, as existing sites applied them.

Our apps' migrations are squashed (issue 20): Django's loader uses the squashed ones wherever
it can, so a test that steps through the originals (to a migration before a data migration, say)
needs a graph without the squashed nodes. Other apps' squashed migrations are used as usual.
"""

from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

OUR_APPS = ("wkp", "meetings", "finance", "subgroups")


class OriginalMigrationsLoader(MigrationLoader):
    def __init__(self, connection):
        super().__init__(connection, replace_migrations=False)

    def build_graph(self):
        # Without replacing, Django's graph holds both the squashed and the original migrations.
        super().build_graph()
        for key, migration in self.replacements.items():
            if key[0] in OUR_APPS:
                self.graph.remove_replacement_node(key, migration.replaces)
            else:
                self.graph.remove_replaced_nodes(key, migration.replaces)


def original_migrations_executor(connection, progress_callback=None):
    executor = MigrationExecutor(connection, progress_callback)
    executor.loader = OriginalMigrationsLoader(connection)
    return executor
