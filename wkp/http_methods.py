"""The HTTP methods a view answers; any other gets 405.

Django's form views would take PUT as a POST and its delete views DELETE as a delete, so every
class-based view names its methods (`http_method_names = PAGE_METHODS`: one with no post()
refuses POST as well), and every function view says its own with `require_safe` (a page),
`require_form_methods` (a page with a form) or `require_POST` (an action).
"""

from django.views.decorators.http import require_http_methods

PAGE_METHODS = ["get", "head", "post"]
require_form_methods = require_http_methods([method.upper() for method in PAGE_METHODS])
