"""The generate form, built from a catalog operation.

The form only renders widgets and collects values; the catalog validates them, and its
errors are put back on the matching fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator import catalog
from generator.catalog import ParamType
from generator.catalog.validation import FILE_TYPES
from generator.generations import ImageInput
from generator.ids import database_id
from generator.models import Asset, Prompt, TaskInput


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleImageInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


def _field_for(param: catalog.Param) -> forms.Field:
    common = {"label": param.label, "help_text": param.help, "required": False}
    if param.type is ParamType.TEXT:
        widget = forms.Textarea(attrs={"rows": 5 if param.name == "prompt" else 2})
        if not param.long_text:
            widget = forms.TextInput()
        if param.max_length:
            # Not maxlength: a browser would cut a pasted text silently. A counter shows
            # the limit and the server refuses, keeping the text.
            widget.attrs["data-maxlength"] = param.max_length
        return forms.CharField(widget=widget, strip=True, **common)
    if param.type is ParamType.CHOICE:
        choices = [(str(value), label) for value, label in param.choices]
        if param.default is None:
            choices = [("", _("Keep the original"))] + choices
        return forms.ChoiceField(choices=choices, **common)
    if param.type is ParamType.BOOL:
        return forms.BooleanField(**common)
    if param.type in (ParamType.INT, ParamType.FLOAT):
        attrs = {"step": "1" if param.type is ParamType.INT else "0.01"}
        if param.minimum is not None:
            attrs["min"] = f"{param.minimum:g}"
        if param.maximum is not None:
            attrs["max"] = f"{param.maximum:g}"
        return forms.CharField(widget=forms.NumberInput(attrs=attrs), **common)
    if param.type is ParamType.AUDIO:
        attrs = {"accept": "audio/mpeg,audio/wav,audio/x-wav,audio/mp4,audio/x-m4a"}
        field = MultipleImageField(**common)
        field.widget = (
            forms.ClearableFileInput(attrs=attrs)
            if param.max_items == 1
            else MultipleImageInput(attrs=attrs)
        )
        return field
    if param.type is ParamType.IMAGES:
        field = MultipleImageField(**common)
        if param.max_items == 1:
            field.widget = forms.ClearableFileInput(
                attrs={"accept": "image/png,image/jpeg,image/webp"}
            )
        return field
    if param.type is ParamType.VIDEOS:
        # What the browser offers to pick; the server tells a video by its bytes.
        accept = "video/mp4,video/quicktime,video/webm,video/x-msvideo"
        return forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": accept}), **common)
    if param.type is ParamType.AUDIO:
        accept = "audio/mpeg,audio/wav,audio/x-wav,audio/mp4"
        return forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": accept}), **common)
    raise ValueError(f"no form field for {param.type}")


class KnownInputsField(forms.ModelMultipleChoiceField):
    """Earlier reference images by id; an id that is gone (or was never one) is dropped."""

    def clean(self, value):
        ids = [database_id(item) for item in value or [] if database_id(item)]
        return list(self.queryset.filter(pk__in=ids).order_by("task_id", "position"))


class KnownChoiceField(forms.ModelChoiceField):
    """One object by id; what cannot be an id is an invalid choice, never looked up."""

    def to_python(self, value):
        if value not in self.empty_values and not database_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


_STALE_FORM = _("This form is out of date; nothing was sent. Reload the page and try again.")


def new_submission_token() -> str:
    """A one-time token for a form whose post spends credits."""
    return uuid.uuid4().hex


class GenerationForm(forms.Form):
    model = forms.CharField(widget=forms.HiddenInput)
    operation = forms.CharField(widget=forms.HiddenInput)
    saved_prompt = KnownChoiceField(
        queryset=Prompt.objects.none(),
        required=False,
        label=gettext_lazy("Saved prompt"),
        help_text=gettext_lazy("Its brand context is added to the prompt."),
    )
    # One token per rendered form: the same form posted twice (a double click without
    # JavaScript, a browser resubmitting) makes one task, not two paid ones. A post
    # without one (a script, a stale page) spends nothing.
    submission_token = forms.RegexField(
        regex=r"\A[0-9a-f]{32}\Z",
        widget=forms.HiddenInput,
        initial=new_submission_token,
        error_messages={
            "required": _STALE_FORM,
            "invalid": _STALE_FORM,
        },
    )
    # Images carried into the form, each shown with a tick box: a task's result ("use
    # as input of an edit") and an earlier task's reference images ("change and re-run").
    input_asset = KnownChoiceField(
        queryset=Asset.objects.filter(
            Q(content_type__startswith="image/")
            | Q(content_type__startswith="video/")
            | Q(content_type__startswith="audio/")
        ),
        required=False,
        widget=forms.HiddenInput,
    )
    earlier_inputs = KnownInputsField(
        queryset=TaskInput.objects.filter(
            Q(content_type__startswith="image/")
            | Q(content_type__startswith="video/")
            | Q(content_type__startswith="audio/")
        ),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    # The finished video a follow-up (extend, 1080p, 4K) acts on.
    source_asset = KnownChoiceField(
        queryset=Asset.objects.select_related("task"),
        required=False,
        label=gettext_lazy("Source"),
        widget=forms.HiddenInput(attrs={"data-carry": ""}),
    )
    save_as = forms.CharField(
        max_length=120,
        required=False,
        label=gettext_lazy("Save this prompt as"),
        help_text=gettext_lazy("Optional: a name to find this prompt again."),
    )

    def __init__(
        self, model: catalog.CatalogModel, operation: catalog.Operation, *args, user=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.catalog_model = model
        self.catalog_operation = operation
        self.fields["saved_prompt"].queryset = (
            Prompt.objects.filter(owner=user) if user else Prompt.objects.none()
        )
        for param in operation.params:
            self.fields[param.name] = _field_for(param)
            if param.default is not None and param.type not in FILE_TYPES:
                self.fields[param.name].initial = (
                    param.default if param.type is ParamType.BOOL else str(param.default)
                )
        for name in self.pricing_field_names():
            if name in self.fields:
                self.fields[name].widget.attrs["data-pricing"] = ""
        # What a switch of model, operation or saved prompt carries over to the new form
        # (the template marks the carried images the same way).
        for param in operation.params:
            if param.type not in FILE_TYPES:
                self.fields[param.name].widget.attrs["data-carry"] = ""
        self.fields["saved_prompt"].widget.attrs["data-carry"] = ""
        self.order_fields(["saved_prompt"] + [p.name for p in operation.params])

    @property
    def image_param(self) -> catalog.Param | None:
        """The operation's first file parameter (an image to edit, a video to restyle):
        the one an asset or an earlier task's inputs are carried into."""
        params = self.catalog_operation.file_params
        return params[0] if params else None

    @property
    def other_file_params(self) -> tuple[catalog.Param, ...]:
        """File parameters after the first (a mask, an ending image, a style reference):
        plain uploads among the other fields."""
        return self.catalog_operation.file_params[1:]

    def _param_fields(self, advanced: bool):
        return [
            self[p.name]
            for p in self.catalog_operation.params
            if p.advanced == advanced and p is not self.image_param
        ]

    @property
    def param_fields_basic(self):
        return self._param_fields(advanced=False)

    @property
    def param_fields_advanced(self):
        return self._param_fields(advanced=True)

    @property
    def image_field(self):
        return self[self.image_param.name] if self.image_param else None

    def images(self, uploads) -> list[ImageInput]:
        """The files this post gives for the first file parameter: the ticked carried
        ones, then the uploads (where only one fits, a new upload replaces what was
        carried); then the uploads of the other file parameters, and the carried inputs
        an earlier task gave those."""
        others = {param.name for param in self.other_file_params}
        data = getattr(self, "cleaned_data", {})
        earlier = data.get("earlier_inputs") or []
        extra = [ImageInput(earlier_input=i, param=i.param) for i in earlier if i.param in others]
        for name in others:
            given = self.files.getlist(name) if self.files else []
            if given:  # a new upload replaces what was carried
                extra = [item for item in extra if item.param != name]
                extra += [ImageInput(file=upload, param=name) for upload in given]
        uploaded = [ImageInput(file=upload) for upload in uploads]
        if uploaded and self.image_param and self.image_param.max_items == 1:
            return uploaded + extra
        carried = [ImageInput(asset=data["input_asset"])] if data.get("input_asset") else []
        carried += [ImageInput(earlier_input=i) for i in earlier if i.param not in others]
        return carried + uploaded + extra

    def pricing_field_names(self) -> list[str]:
        return self.catalog_model.pricing_for(self.catalog_operation.key).param_names

    def catalog_values(self) -> dict:
        """Raw values for catalog.validate: strings and booleans, images left out."""
        values = {}
        for param in self.catalog_operation.params:
            if param.type in FILE_TYPES:
                continue
            value = self.cleaned_data.get(param.name)
            if param.type is ParamType.BOOL:
                values[param.name] = bool(value)
            elif value not in (None, ""):
                values[param.name] = value
        return values

    def add_catalog_errors(self) -> None:
        """On a form that already has errors, also show the catalog's, so that one
        submission reports every problem."""
        raw = self.catalog_values()
        if self.image_param:
            given = self.files.getlist(self.image_param.name) if self.files else []
            for item in self.images(given):
                raw.setdefault(item.param or self.image_param.name, []).append(item.label)
        try:
            catalog.validate(self.catalog_model, self.catalog_operation.key, raw)
        except catalog.CatalogError as exc:
            self.apply_catalog_errors(
                {name: msg for name, msg in exc.errors.items() if name not in self.errors}
            )

    def already_sent(self, task) -> None:
        """This page's token was spent on `task` and the form changed since: keep what was
        typed, with a fresh token, so pressing Generate again makes a new task."""
        self.data = self.data.copy()
        self.data["submission_token"] = new_submission_token()
        self.add_error(
            None,
            _(
                "This form was already sent: it made task #%(task)s. Your changes are kept "
                "below; press Generate again to make a new one."
            )
            % {"task": task.pk},
        )

    def apply_catalog_errors(self, errors: dict[str, str]) -> None:
        """Catalog messages continue their field's name ("is required"); others are
        whole sentences already (“logo.gif”: ...)."""
        for name, message in errors.items():
            field = name if name in self.fields else None
            label = self.fields[name].label if field else name
            if message[:1].islower():
                message = _("%(field)s %(problem)s.") % {"field": label, "problem": message}
            self.add_error(field, message)
