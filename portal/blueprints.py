"""Every blueprint the app registers: the pages of each module, the sync API with each
module's endpoints nested under /api/v1, and the modules' commands; and the modules whose
tasks the worker runs (portal/tasks.py).

Nesting happens here, once, when this module is imported: a blueprint takes no new children
once an app has registered it, and tests create several apps."""

from portal.accounts.views import profile_bp as profile
from portal.accounts.views import staff_bp as staff_members
from portal.api.admin import bp as api_admin
from portal.api.commands import bp as api_commands
from portal.api.views import bp as api
from portal.api.views import oauth_bp as oauth
from portal.audit import tasks as audit_tasks
from portal.audit.views import bp as audit
from portal.auth import tasks as auth_tasks
from portal.auth.views import bp as auth
from portal.calendar.views import bp as calendar
from portal.demo.commands import bp as demo_commands
from portal.directory.views import bp as directory
from portal.expenses import tasks as expenses_tasks
from portal.expenses.api import bp as expenses_api
from portal.expenses.views import bp as expenses
from portal.extensions import csrf
from portal.home.views import bp as home
from portal.meetings.api import bp as meetings_api
from portal.meetings.views import bp as meetings
from portal.members.api import bp as members_api
from portal.members.commands import bp as members_commands
from portal.network.views import bp as network
from portal.notifications import tasks as notifications_tasks
from portal.notifications.commands import bp as notifications_commands
from portal.notifications.views import bp as notifications
from portal.ops.commands import bp as ops_commands
from portal.outbox import tasks as outbox_tasks
from portal.outbox.commands import bp as outbox_commands
from portal.projection.api import bp as projection_api
from portal.projection.views import bp as projection
from portal.quotes.api import bp as quotes_api
from portal.quotes.views import bp as quotes
from portal.salary.commands import bp as salary_commands
from portal.salary.views import bp as salary
from portal.sales import tasks as sales_tasks
from portal.sales.api import bp as sales_api
from portal.sales.commands import bp as sales_commands
from portal.sales.customer_views import bp as customers
from portal.sales.sending_views import bp as sending
from portal.sales.views import bp as sales
from portal.settings.views import bp as coop
from portal.transfers.api import bp as transfers_api
from portal.transfers.views import bp as transfers
from portal.web.offline import bp as offline
from portal.web.views import bp as web
from portal.workshops.api import bp as workshops_api
from portal.workshops.views import bp as workshops

# /api/v1/<the module's routes>, endpoints "api.<module>.<view>": the API blueprint's token
# check, cache headers and problem+json errors apply to them.
for module_api in (
    members_api,
    sales_api,
    quotes_api,
    expenses_api,
    workshops_api,
    meetings_api,
    projection_api,
    transfers_api,
):
    # Bearer tokens, never the session cookie, authenticate the API: no CSRF token.
    csrf.exempt(module_api)
    api.register_blueprint(module_api)

PAGES = (
    web,
    offline,
    auth,
    home,
    coop,
    salary,
    sales,
    customers,
    sending,
    transfers,
    quotes,
    expenses,
    workshops,
    meetings,
    calendar,
    staff_members,
    profile,
    notifications,
    directory,
    network,
)
# Commands only, each at the top of `portal` (`portal create-user`, not a group).
COMMANDS = (
    members_commands,
    salary_commands,
    outbox_commands,
    notifications_commands,
    sales_commands,
    demo_commands,
    api_commands,
    ops_commands,
)
BLUEPRINTS = (*PAGES, projection, api, oauth, api_admin, audit, *COMMANDS)
# Each module's tasks.py: every task in it is bound to the app's queue.
TASK_MODULES = (
    outbox_tasks,
    audit_tasks,
    auth_tasks,
    notifications_tasks,
    sales_tasks,
    expenses_tasks,
)
