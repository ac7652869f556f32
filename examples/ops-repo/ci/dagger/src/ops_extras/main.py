"""The functions of the old Python module that build things particular to
this repository, kept here when blumeops-ci took over the container
functions. Move each body over from the old `.dagger/src/blumeops_ci/main.py`
unchanged: the names, arguments and defaults below are the old ones, so
`dagger call -m ci/dagger build-docs --src=. --version=...` and
`dagger call -m ci/dagger export-yolov-9 ...` take the old arguments.

To build an image with blumeops-ci from here, add it as a dependency
(`dagger install -m ci/dagger github.com/eblume/blumeops-ci@<commit sha>`)
and call `dag.blumeops_ci().build(src=src, container_name=...)`.
"""

import dagger
from dagger import function, object_type


@object_type
class OpsExtras:
    @function
    async def build_docs(self, src: dagger.Directory, version: str) -> dagger.File:
        """Build the documentation site of this repository. Returns its tarball."""
        # Move the body of the old module's build_docs here.
        raise NotImplementedError("build_docs: move its body from the old module")

    @function
    async def export_yolov9(self, model_size: str = "c", input_size: int = 640) -> dagger.File:
        """Export YOLOv9 model weights to ONNX. Returns the model file."""
        # Move the body of the old module's export_yolov9 here.
        raise NotImplementedError("export_yolov9: move its body from the old module")
