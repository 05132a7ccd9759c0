"""Forms parse and normalise input; the rules are in `services.py` and `access.py`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from accountability.models import AgendaItem, Decision, Session, SessionKind
from recommendations.forms import DateField, PlainTextMixin
from recommendations.models import Finding, Force, Post, Rag, Role, User


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class PostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Post) -> str:
        return obj.label


def _posts_of(force_id: int) -> Any:
    """The force's posts and the OPCC's (across all forces, or on this force)."""
    return Post.objects.active().for_force(force_id).select_related("holder", "force")


class SessionForm(PlainTextMixin, forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.none())
    held_on = DateField(label="Date of the session")
    kind = forms.ChoiceField(choices=SessionKind.choices)
    title = forms.CharField(max_length=200, required=False, label="Title (optional)")
    location = forms.CharField(max_length=200, required=False, label="Where (optional)")
    attendee_posts = forms.ModelMultipleChoiceField(
        queryset=Post.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Posts attending",
    )
    attendee_people = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="People attending",
        help_text="OPCC staff and others who sign in to Oversight.",
    )
    other_attendees = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Anyone else attending (optional)",
        help_text="One a line: name and role.",
    )

    def __init__(self, *args: Any, user: User, session: Session | None = None, **kwargs: Any):
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    "force": session.force_id,
                    "held_on": session.held_on,
                    "kind": session.kind,
                    "title": session.title,
                    "location": session.location,
                    "other_attendees": session.other_attendees,
                    "attendee_posts": list(session.attendee_posts.all()),
                    "attendee_people": list(session.attendee_people.all()),
                },
            )
        super().__init__(*args, **kwargs)
        forces = Force.objects.all()
        if user.force_id is not None:
            forces = forces.filter(pk=user.force_id)
        self.fields["force"].queryset = forces
        force_id = session.force_id if session else user.force_id
        if session is not None:
            # A session stays with its force: its agenda is that force's.
            del self.fields["force"]
        posts = Post.objects.active().select_related("holder", "force")
        people = User.objects.with_role(*Role).seeing_force(force_id) if force_id else None
        if force_id is not None:
            posts = posts.for_force(force_id)
        if people is None:
            people = User.objects.with_role(*Role)
        self.fields["attendee_posts"].queryset = posts
        self.fields["attendee_people"].queryset = people.by_name()


class ItemAddForm(forms.Form):
    finding = forms.ModelChoiceField(queryset=Finding.objects.none(), label="Add a finding")

    def __init__(self, *args: Any, session: Session, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        on_agenda = session.items.filter(action__isnull=True).values("finding_id")
        self.fields["finding"].queryset = (
            Finding.objects.filter(force_id=session.force_id)
            .open()
            .exclude(pk__in=on_agenda)
            .select_related("report")
            .order_by("reference")
        )


class ItemForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["note", "order"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "note": "What the OPCC wants the meeting to look at here. Printed on the agenda.",
            "order": "Items are listed by this number: leave gaps to slot others in.",
        }


class QuestionForm(PlainTextMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Question")
    to_post = PostChoiceField(
        queryset=Post.objects.none(),
        required=False,
        label="For the post",
        help_text="Its holder is asked to answer in writing before the meeting. "
        "Leave empty to ask at the meeting.",
    )

    def __init__(self, *args: Any, item: AgendaItem, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"to_post": item.force_post})
        super().__init__(*args, **kwargs)
        self.fields["to_post"].queryset = _posts_of(item.session.force_id).filter(
            force_id=item.session.force_id
        )


class AnswerForm(PlainTextMixin, forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Your answer")


class RecordForm(PlainTextMixin, forms.Form):
    said = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What was said",
        help_text="A short note of the discussion.",
    )
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    opcc_rag = forms.ChoiceField(
        choices=[("", "—"), *Rag.choices],
        required=False,
        label="OPCC rating",
        help_text="Needed to challenge a finding reported complete; green unless said when "
        "assuring one.",
    )


class ActionForm(PlainTextMixin, forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Action")
    owner_post = PostChoiceField(queryset=Post.objects.none(), required=False, label="Owner (post)")
    due_on = DateField(label="Deadline", required=False)

    def __init__(self, *args: Any, item: AgendaItem, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"owner_post": item.force_post})
        super().__init__(*args, **kwargs)
        self.fields["owner_post"].queryset = _posts_of(item.session.force_id).filter(
            Q(force_id=item.session.force_id) | Q(is_opcc=True)
        )
