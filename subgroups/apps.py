from django.apps import AppConfig


class SubgroupsConfig(AppConfig):
    name = "subgroups"
    verbose_name = "Sub-groups"
    role_content = True  # co-ordinators manage it, members view it (wkp/roles.py)
