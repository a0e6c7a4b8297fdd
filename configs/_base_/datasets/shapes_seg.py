# Synthetic multi-scale shapes for semantic segmentation, generated on first use into data/shapes_seg/
# by mmsda.ShapesSegDataset: 96x96 scenes of up to 6 rotated shapes on textured backgrounds, a label
# PNG per image (0 background, 1-5 circle, square, triangle, star, cross). The val split is drawn with
# another seed (and, like every split, its own random streams): it shares no image with train.
dataset_type = 'mmsda.ShapesSegDataset'
data_root = 'data/shapes_seg'
img_size = 96

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        generate=dict(num_images=1000, img_size=img_size, seed=0),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=10,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        generate=dict(num_images=100, img_size=img_size, seed=1),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
