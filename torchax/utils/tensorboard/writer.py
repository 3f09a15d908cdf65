"""torch.utils.tensorboard.SummaryWriter on tensorboardX: the same event files, with torchax Tensors accepted
wherever torch takes a tensor. add_graph writes the module structure (leaf modules in call order with their
output shapes when an input is given) rather than a traced op graph."""

from __future__ import annotations

import numpy as np

from torchax._tensor import Tensor


def _np(x):
    """Tensors (also inside lists, tuples and dicts) as numpy arrays; 0-dim ones as Python scalars."""
    if isinstance(x, Tensor):
        a = x.detach().float().numpy() if str(x.dtype) == "torch.bfloat16" else x.detach().numpy()
        return a.item() if a.ndim == 0 else a
    if isinstance(x, dict):
        return {k: _np(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in x):
        return type(x)(_np(v) for v in x)
    return x


class SummaryWriter:
    """torch.utils.tensorboard.SummaryWriter: log scalars, histograms, images, text, hparams and the model
    structure to `log_dir` (default runs/<date>_<host><comment>)."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120, filename_suffix=""):
        from tensorboardX import SummaryWriter as _Writer

        self._w = _Writer(logdir=log_dir, comment=comment, purge_step=purge_step, max_queue=max_queue,
                          flush_secs=flush_secs, filename_suffix=filename_suffix)
        self.log_dir = self._w.logdir
        self._writer_args = (max_queue, flush_secs, filename_suffix)
        self._scalar_writers = {}  # add_scalars: one sub-folder per tag, named as torch names it

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False, double_precision=False):
        self._w.add_scalar(tag, _np(scalar_value), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Each value goes to `<log_dir>/<main_tag with / as _>_<tag>` under the tag `main_tag` (torch's layout)."""
        import time

        from tensorboardX.summary import scalar
        from tensorboardX.writer import FileWriter

        walltime = time.time() if walltime is None else walltime
        for tag, value in _np(tag_scalar_dict).items():
            fw_tag = self.log_dir + "/" + main_tag.replace("/", "_") + "_" + tag
            fw = self._scalar_writers.get(fw_tag)
            if fw is None:
                fw = self._scalar_writers[fw_tag] = FileWriter(fw_tag, *self._writer_args)
            fw.add_summary(scalar(main_tag, value), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        self._w.add_histogram(tag, np.asarray(_np(values)), global_step, bins, walltime, max_bins)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        self._w.add_image(tag, np.asarray(_np(img_tensor)), global_step, walltime, dataformats)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        self._w.add_images(tag, np.asarray(_np(img_tensor)), global_step, walltime, dataformats)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._w.add_text(tag, text_string, global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        self._w.add_figure(tag, figure, global_step, close, walltime)

    def add_pr_curve(self, tag, labels, predictions, global_step=None, num_thresholds=127, weights=None,
                     walltime=None):
        self._w.add_pr_curve(tag, _np(labels), _np(predictions), global_step, num_thresholds, _np(weights), walltime)

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None, tag="default",
                      metadata_header=None):
        self._w.add_embedding(_np(mat), metadata, _np(label_img), global_step, tag, metadata_header)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None, global_step=None):
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        self._w.add_hparams(_np(hparam_dict), _np(metric_dict), name=run_name, global_step=global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The module structure as a TensorBoard graph (no op-level tracing in torchax)."""
        from tensorboardX.proto import event_pb2

        from torchax.utils.tensorboard._graph import module_graph

        graph = module_graph(model, input_to_model)
        self._w._get_file_writer().add_event(event_pb2.Event(graph_def=graph.SerializeToString()))

    def flush(self) -> None:
        self._w.flush()
        for fw in self._scalar_writers.values():
            fw.flush()

    def close(self) -> None:
        self._w.close()
        for fw in self._scalar_writers.values():
            fw.close()
        self._scalar_writers = {}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
