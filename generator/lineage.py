"""Where a result comes from and where it went: follow-ups (extend, 1080p, stems...) name
their source asset (GenerationTask.source_asset), reference files theirs
(TaskInput.source_asset). A video and its extensions and upscales form one family."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from generator.models import Asset, GenerationTask

MAX_GENERATIONS = 8  # an extension of an extension of...: deep enough for any real chain


@dataclass
class Lineage:
    made_from: list[Asset] = field(default_factory=list)  # the sources of this task
    derived: list[GenerationTask] = field(default_factory=list)  # follow-ups of its results
    reused_in: list[GenerationTask] = field(default_factory=list)  # used as an input


def of_task(task: GenerationTask) -> Lineage:
    made_from = []
    if task.source_asset_id:
        made_from.append(task.source_asset)
    for task_input in task.inputs.all():
        if task_input.source_asset_id and task_input.source_asset not in made_from:
            made_from.append(task_input.source_asset)
    track_id = (task.params or {}).get("audio_asset") if task.model_key == "soundtrack" else None
    if isinstance(track_id, int):  # a soundtrack is made from a video and a track
        track = Asset.objects.filter(pk=track_id).select_related("task").first()
        if track and track not in made_from:
            made_from.append(track)
    made_later = (
        GenerationTask.objects.filter(
            Q(source_asset__task=task) | Q(inputs__source_asset__task=task)
        )
        .select_related("source_asset")
        .distinct()
        .order_by("created_at")
    )
    derived, reused_in = [], []
    for later in made_later:
        is_followup = later.source_asset is not None and later.source_asset.task_id == task.pk
        (derived if is_followup else reused_in).append(later)
    return Lineage(made_from, derived, reused_in)


def with_version_counts(tasks):
    """Each task annotated with `version_count`: the follow-ups made from its results."""
    counted = tasks.annotate(version_count=Count("assets__derived_tasks", distinct=True))
    return counted.order_by(*GenerationTask._meta.ordering)  # GROUP BY drops Meta.ordering


def family_ids(task_pk: int) -> list[int]:
    """The task and every follow-up made from it, its follow-ups' follow-ups and so on."""
    family, frontier = [task_pk], [task_pk]
    for _generation in range(MAX_GENERATIONS):
        frontier = list(
            GenerationTask.objects.filter(source_asset__task__in=frontier)
            .exclude(pk__in=family)
            .values_list("pk", flat=True)
        )
        if not frontier:
            break
        family.extend(frontier)
    return family


def used_in(asset: Asset) -> list[GenerationTask]:
    """The tasks made from this asset: its follow-ups, and those that took it as input."""
    return list(
        GenerationTask.objects.filter(Q(source_asset=asset) | Q(inputs__source_asset=asset))
        .distinct()
        .order_by("created_at")
    )
