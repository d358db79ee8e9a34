from django.urls import path

from generator import views

app_name = "generator"

urlpatterns = [
    path("", views.home, name="home"),
    path("generate/", views.generate, name="generate"),
    path("generate/estimate/", views.estimate, name="estimate"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/live/", views.gallery_live, name="gallery_live"),
    path("gallery/submit/", views.gallery_submit, name="gallery_submit"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/rerun/", views.task_rerun, name="task_rerun"),
    path("tasks/<int:pk>/cancel/", views.task_cancel, name="task_cancel"),
    path("assets/<int:pk>/", views.asset_page, name="asset"),
    path("assets/<int:pk>/submit/", views.asset_submit, name="asset_submit"),
    path("assets/<int:pk>/withdraw/", views.asset_withdraw, name="asset_withdraw"),
    path("assets/<int:pk>/decision/", views.asset_decide, name="asset_decide"),
    path("assets/<int:pk>/comments/", views.asset_comment, name="asset_comment"),
    path("assets/<int:pk>/provenance.json", views.asset_provenance, name="asset_provenance"),
    path("assets/<int:pk>/file/", views.asset_file, name="asset_file"),
    path("assets/<int:pk>/thumbnail/", views.asset_thumbnail, name="asset_thumbnail"),
    path("inputs/<int:pk>/file/", views.task_input_file, name="task_input_file"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/mine/", views.my_submissions, name="my_submissions"),
    path("library/", views.library_page, name="library"),
    path("library/zip/", views.library_zip, name="library_zip"),
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
