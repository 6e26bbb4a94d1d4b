from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """Instagram handles are stored as the username: lower case, without the @.

    Conversations stored as "@User" are found again by "user"; customers that were created twice for
    one account stay separate rows (merging them is a person's decision).
    """

    dependencies = [("models", "0008_phone_keys_fold_only_mobiles")]

    initial = False

    operations = [
        ops.RunSQL(
            "UPDATE conversation SET handle = lower(regexp_replace(btrim(handle), '^@', '')) "
            "WHERE channel = 'instagram' AND handle <> lower(regexp_replace(btrim(handle), '^@', ''));",
            reverse_sql="SELECT 1;",
        ),
    ]
