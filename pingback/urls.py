from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from customer_channels import urls as channel_urls
from inbox import login_limits
from pingback import health, metrics

urlpatterns = [
    path("", accounts_views.root, name="root"),
    path("", include("accounts.urls")),  # /setup/, /invitation/…, /password/reset/…
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Password guessing on the admin's form login is rate limited (inbox/login_limits.py).
    path("admin/login/", login_limits.limited(admin.site.login), name="admin-login-limited"),
    path("metrics", metrics.view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/knowledge-base/", include("ai.urls")),
    path("api/v1/", include("webhooks.api.urls")),  # /api/v1/webhooks
    path("api/v1/", include("privacy.api.urls")),  # customers/<id>/erase, exports
    path("api/v1/", include(channel_urls.api_urlpatterns)),  # /api/v1/channels
    path("channels/", include(channel_urls.inbound_urlpatterns)),  # providers' webhooks
    path("api/v1/", include("reports.urls")),  # /api/v1/reports
    path("api/v1/", include("teamtools.urls")),  # notes, labels, canned responses
    path("api/v1/", include("business_settings.api_urls")),  # widget, hours, AI settings
    path("api/v1/", include("accounts.api_urls")),  # invitations, team members
    path("api/v1/", include("search.urls")),  # /api/v1/search
    path("api/v1/", include("conversations.api.urls")),
    path("inbox/", include("inbox.urls")),
    path("widget/", include("inbox.widget_urls")),
    path("attachments/", include("attachments.urls")),
    path("rate/", include("csat.urls")),
]

handler404 = "pingback.errors.handler404"
handler500 = "pingback.errors.handler500"
