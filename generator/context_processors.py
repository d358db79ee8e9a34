"""Values every page shows: which kie.ai we talk to."""

from generator.upstream import mode_label


def studio(request):
    return {"kie_mode": mode_label()}
