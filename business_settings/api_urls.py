from business_settings import api
from conversations.api.urls import route

urlpatterns = [
    route("widget/settings", api.WidgetSettingsView.as_view(), "api-widget-settings"),
    route("business/hours", api.BusinessHoursView.as_view(), "api-business-hours"),
    route("ai/settings", api.AISettingsView.as_view(), "api-ai-settings"),
]
