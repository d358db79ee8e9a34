from django.urls import path

from generator import views

app_name = "generator"

urlpatterns = [
    path("", views.home, name="home"),
    path("generate/", views.generate, name="generate"),
    path("generate/estimate/", views.estimate, name="estimate"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/live/", views.gallery_live, name="gallery_live"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/rerun/", views.task_rerun, name="task_rerun"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("assets/<int:pk>/file/", views.asset_file, name="asset_file"),
    path("assets/<int:pk>/thumbnail/", views.asset_thumbnail, name="asset_thumbnail"),
    path("inputs/<int:pk>/file/", views.task_input_file, name="task_input_file"),
    path("kie/callback/", views.kie_callback, name="kie_callback"),
    path("language/", views.set_language, name="set_language"),
    path("compare/", views.compare, name="compare"),
    path("compare/<int:pk>/", views.comparison, name="comparison"),
    path("compare/<int:pk>/winner/", views.comparison_winner, name="comparison_winner"),
    path("credits/", views.credits_overview, name="credits"),
    path("credits/balance/", views.balance, name="balance"),
    path("credits/reconciliation/", views.reconciliation_page, name="reconciliation"),
    path("credits/analytics/", views.analytics_page, name="analytics"),
    path("credits/analytics.csv", views.analytics_csv, name="analytics_csv"),
    path("credits/ledger.csv", views.ledger_csv, name="ledger_csv"),
    path("tasks/<int:pk>/approve/", views.task_approve, name="task_approve"),
    path("tasks/<int:pk>/reject/", views.task_reject, name="task_reject"),
]
