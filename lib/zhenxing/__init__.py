"""zhenxing — annual summaries of 巩固拓展脱贫攻坚成果同乡村振兴有效衔接 from monitoring exports."""
__version__ = "0.1.0"
