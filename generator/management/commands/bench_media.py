"""Measure the memory a worker needs to make thumbnails of very large images, and to
stream a large download: `python manage.py bench_media [--megapixels 49]`.

Each measure runs in a fresh Python process and reports its peak resident memory above
what the process held before the work (VmHWM), so Pillow's and PyAV's own C
allocations count too. "naive" is the former way (convert the full image, then shrink).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from django.core.management.base import BaseCommand

_CHILD = textwrap.dedent(
    """
    import io, json, os, resource, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "autoscale.settings")
    import django
    django.setup()
    from PIL import Image
    from generator import media

    def peak_mb():
        # VmHWM: this process's own high-water mark (ru_maxrss keeps the parent's
        # across fork and exec on Linux)
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    how, path = sys.argv[1], sys.argv[2]
    before = peak_mb()
    if how == "naive":
        with Image.open(path) as image:
            image.draft("RGB", media.THUMBNAIL_SIZE)
            image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
            image.thumbnail(media.THUMBNAIL_SIZE)
            image.save(io.BytesIO(), "WEBP", quality=80, method=4)
    elif how == "ours":
        with open(path, "rb") as stream:
            media.image_thumbnail(stream)
    elif how == "poster":
        with open(path, "rb") as stream:
            media.examine(stream, os.path.getsize(path))
    elif how == "download":
        import httpx
        from generator.kie.downloads import download
        size = int(sys.argv[3])
        def body():
            chunk = b"\\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                yield chunk
        headers = {"Content-Type": "video/mp4"}
        transport = httpx.MockTransport(
            lambda request: httpx.Response(200, content=body(), headers=headers)
        )
        with media.spooled_file() as stream:
            download(
                "https://cdn.kie.ai/big.mp4", stream, allowed_hosts=[".kie.ai"],
                max_bytes=size * 2, transport=transport,
            )
    print(json.dumps({"before_mb": before, "peak_mb": peak_mb()}))
    """
)


def measure(how: str, path: str, *extra: str) -> float:
    """Peak resident memory added by the work, in MB, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, how, path, *extra],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["peak_mb"] - figures["before_mb"]


def make_large_image(path: Path, megapixels: int, image_format: str, mode: str) -> None:
    from PIL import Image

    side = int((megapixels * 1_000_000) ** 0.5)
    image = Image.linear_gradient("L").resize((side, side))
    if mode != "L":
        image = Image.merge(mode, [image] * len(mode))
    image.save(path, image_format, **({"quality": 85} if image_format == "JPEG" else {}))


class Command(BaseCommand):
    help = "Peak memory of thumbnails of huge images, a 4K poster and a large download."

    def add_arguments(self, parser):
        parser.add_argument("--megapixels", type=int, default=49)
        parser.add_argument("--download-mb", type=int, default=512)

    def handle(self, *args, megapixels, download_mb, **options):
        with tempfile.TemporaryDirectory() as folder:
            for image_format, mode, suffix in (
                ("PNG", "RGBA", "png"),
                ("PNG", "RGB", "png"),
                ("JPEG", "RGB", "jpg"),
                ("WEBP", "RGB", "webp"),
            ):
                if image_format == "WEBP" and megapixels > 16:
                    continue  # WebP pictures are at most 16383 pixels a side
                path = Path(folder) / f"large-{mode}.{suffix}"
                make_large_image(path, megapixels, image_format, mode)
                naive, ours = measure("naive", str(path)), measure("ours", str(path))
                self.stdout.write(
                    f"{megapixels} MP {image_format} {mode}: thumbnail peak {ours:.0f} MB "
                    f"(the former way: {naive:.0f} MB)"
                )
            from generator.sandbox.video import make_mp4

            video = Path(folder) / "4k.mp4"
            video.write_bytes(make_mp4("a 4K video", 3840, 2160, 3, audio=True))
            poster = measure("poster", str(video))
            self.stdout.write(f"4K H.264 video: probe and poster peak {poster:.0f} MB")
            size = download_mb * 1024 * 1024
            streamed = measure("download", "-", str(size))
            self.stdout.write(f"download of {download_mb} MB: peak {streamed:.0f} MB")
