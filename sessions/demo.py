"""An invented demo team with two weeks of peer-session records, for trying Studylog out.

Everything here is made up: the team, its members, their questions and retrospectives.
`load_demo` is called by `manage.py loaddemo` (and `make run` on an empty database).
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import schedule, search_index
from .models import (
    ActionItem,
    AssignmentReview,
    Attendance,
    Day,
    FreeSection,
    MemberLog,
    Membership,
    Question,
    SkippedDate,
    StudyLink,
    Suggestion,
    Team,
)

DEMO_SLUG = "demo"
DEMO_PASSWORD = "studylog-demo"

TEAM = {
    "name": "모닥불랩",
    "course": "boostcourse",
    "mentor": "윤하람",
    "language": Team.Language.KOREAN,
    "description": (
        "AI 부트캠프 **모닥불랩** 팀의 피어세션 기록입니다.\n\n"
        "- 평일 저녁 5시, 30분\n"
        "- 모더레이터는 이름순으로 돌아가며 맡습니다\n"
        "- 과제 리뷰 → 질문 → 자유 토의 순서로 진행합니다"
    ),
    "ground_rules": (
        "1. 카메라는 켜고, 말하지 않을 때는 마이크를 끕니다.\n"
        "2. 모르는 것은 바로 묻습니다. 바보 같은 질문은 없습니다.\n"
        "3. 답을 모르면 *추가 확인 필요*로 남기고 다음 세션에서 꼭 닫습니다.\n"
        "4. 회고록은 그날 밤 12시 전에 씁니다."
    ),
}

# (username, display name), in name order: this is also the moderator rotation.
# The first member is the team's admin; the others are ordinary members.
MEMBERS = [
    ("demo", "김다온"),
    ("member2", "남궁별"),
    ("member3", "문채린"),
    ("member4", "배시우"),
    ("member5", "오하늘"),
    ("member6", "이도윤"),
    ("member7", "최서율"),
]
MENTOR = ("mentor", TEAM["mentor"])

# (day number, member) → (status, note); everyone else is present.
ATTENDANCE = {
    (2, "배시우"): (Attendance.Status.LATE, "병원 진료로 10분 늦게 들어옴"),
    (4, "최서율"): (Attendance.Status.EXCUSED, "예비군 훈련 (사전 공유)"),
    (5, "남궁별"): (Attendance.Status.LATE, "네트워크 문제로 재접속"),
    (7, "이도윤"): (Attendance.Status.ABSENT, "개인 사정, 다음 날 기록 확인함"),
    (9, "오하늘"): (Attendance.Status.EXCUSED, "기업 면접 일정"),
    (10, "문채린"): (Attendance.Status.LATE, "앞 강의 질의응답이 길어짐"),
}

# One row per day: (topic, tags, points members write about, resources for study badges).
# A resource is (badge title, url, colour); members' own notes get a red badge.
DAYS = [
    (
        "PyTorch 기초",
        "PyTorch,Tensor,Autograd",
        ["텐서의 shape을 바꾸는 방법", "autograd가 계산 그래프를 만드는 과정", "GPU로 텐서 옮기기"],
        [
            ("Tensor", "https://pytorch.org/docs/stable/tensors.html", "blue"),
            ("Autograd", "https://pytorch.org/docs/stable/notes/autograd.html", "blue"),
            ("Broadcasting", "https://pytorch.org/docs/stable/notes/broadcasting.html", "green"),
        ],
    ),
    (
        "최적화 기법",
        "Optimizer,SGD,Adam",
        ["SGD와 Momentum의 차이", "Adam의 bias correction", "learning rate scheduler"],
        [
            ("torch.optim", "https://pytorch.org/docs/stable/optim.html", "blue"),
            ("Adam 논문", "https://arxiv.org/abs/1412.6980", "green"),
            ("LR Scheduler", "https://pytorch.org/docs/stable/optim.html", "orange"),
        ],
    ),
    (
        "CNN 기초",
        "CNN,Convolution",
        ["convolution 출력 크기 계산", "stride와 padding", "1x1 convolution의 역할"],
        [
            ("Conv2d", "https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html", "blue"),
            ("CNN 시각화", "https://example.org/cnn-explainer", "orange"),
            ("Pooling", "https://pytorch.org/docs/stable/nn.html#pooling-layers", "blue"),
        ],
    ),
    (
        "고전 CNN 모델",
        "CNN,ResNet,VGG",
        ["AlexNet에서 ResNet까지의 흐름", "skip connection", "VGG의 3x3 필터"],
        [
            ("ResNet", "https://arxiv.org/abs/1512.03385", "green"),
            ("torchvision models", "https://pytorch.org/vision/stable/models.html", "blue"),
            ("VGG", "https://arxiv.org/abs/1409.1556", "green"),
        ],
    ),
    (
        "데이터 증강",
        "Augmentation,DataLoader",
        ["Dataset과 DataLoader 구조", "Mixup과 CutMix", "검증 데이터 전처리"],
        [
            ("transforms", "https://pytorch.org/vision/stable/transforms.html", "blue"),
            ("torch.utils.data", "https://pytorch.org/docs/stable/data.html", "blue"),
            ("CutMix", "https://arxiv.org/abs/1905.04899", "green"),
        ],
    ),
    (
        "RNN과 LSTM",
        "RNN,LSTM",
        ["RNN의 기울기 소실", "LSTM의 게이트 구조", "가변 길이 시퀀스 다루기"],
        [
            ("nn.LSTM", "https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html", "blue"),
            ("LSTM 그림 정리", "https://example.org/lstm-diagrams", "orange"),
            ("nn.GRU", "https://pytorch.org/docs/stable/generated/torch.nn.GRU.html", "blue"),
        ],
    ),
    (
        "Transformer",
        "Transformer,Attention",
        ["scaled dot-product attention", "multi-head attention", "positional encoding"],
        [
            ("Attention Is All You Need", "https://arxiv.org/abs/1706.03762", "green"),
            (
                "MultiheadAttention",
                "https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html",
                "blue",
            ),
            ("Transformer 그림 해설", "https://example.com/illustrated-transformer", "orange"),
        ],
    ),
    (
        "정규화와 규제",
        "BatchNorm,Dropout,Regularization",
        ["BatchNorm의 학습/추론 모드 차이", "Dropout", "weight decay"],
        [
            (
                "BatchNorm2d",
                "https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html",
                "blue",
            ),
            ("Dropout 논문", "https://jmlr.org/papers/v15/srivastava14a.html", "green"),
            ("AdamW", "https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html", "blue"),
        ],
    ),
    (
        "이미지 분류 대회 시작",
        "Competition,Baseline",
        ["베이스라인 코드 구조", "클래스 불균형", "실험 기록 남기기"],
        [
            ("Transfer learning", "https://example.org/transfer-learning-guide", "orange"),
            ("timm", "https://huggingface.co/docs/timm/index", "blue"),
            ("Focal Loss", "https://arxiv.org/abs/1708.02002", "green"),
        ],
    ),
    (
        "앙상블과 TTA",
        "Ensemble,TTA,Competition",
        ["soft voting과 hard voting", "TTA", "2주 동안의 학습 정리"],
        [
            (
                "Ensemble methods",
                "https://scikit-learn.org/stable/modules/ensemble.html",
                "blue",
            ),
            ("TTA 정리", "https://example.com/test-time-augmentation", "orange"),
            ("Stochastic Weight Averaging", "https://arxiv.org/abs/1803.05407", "green"),
        ],
    ),
]

# day number → [(proposal, discussion (one item a line), outcome, status)]
SUGGESTIONS = {
    1: [
        (
            "세션을 시작할 때 각자 오늘 들은 강의를 한 줄로 요약하고 시작하면 어떨까요?",
            "모더레이터가 요약을 받아 적는다\n한 사람당 1분을 넘기지 않는다\n"
            "요약이 어려운 날은 가장 헷갈린 개념을 대신 말한다",
            "다음 세션부터 한 줄 요약으로 시작하기로 함",
            Suggestion.Status.ACCEPTED,
        ),
    ],
    3: [
        (
            "과제 코드 리뷰를 화면 공유 대신 PR 형식으로 해 보면 어떨까요?",
            "팀 저장소를 하나 만들어 과제별 브랜치로 올린다\n"
            "리뷰 코멘트는 세션 전에 미리 달아 둔다\n화면 공유보다 준비 시간이 더 든다는 의견",
            "이번 주는 화면 공유를 유지하고, 다음 주에 저장소를 만들어 시범 운영",
            Suggestion.Status.DEFERRED,
        ),
    ],
    4: [
        (
            "매주 금요일에 논문 하나를 골라 돌아가며 발표하기",
            "발표 시간은 10분, 질문 5분\n논문은 그 주 강의와 관련된 것으로 고른다\n"
            "발표자는 모더레이터 다음 순서",
            "다음 주 금요일부터 시작. 첫 논문은 Attention Is All You Need",
            Suggestion.Status.ACCEPTED,
        ),
    ],
    6: [
        (
            "세션 시간을 30분 더 늘리자",
            "질문이 많은 날은 30분이 부족하다\n강의 일정상 저녁 시간이 빠듯하다는 의견이 많음",
            "시간은 그대로 두고, 긴 질문은 전날 게시판에 미리 올리기로 함",
            Suggestion.Status.REJECTED,
        ),
    ],
    8: [
        (
            "하루에 알고리즘 문제 한 문제씩 같이 풀기",
            "세션이 일찍 끝나는 날에만 한다\n문제는 돌아가며 고른다\n난이도는 실버~골드",
            "",
            Suggestion.Status.PROPOSED,
        ),
    ],
    9: [
        (
            "대회 실험 기록을 공유 스프레드시트 하나로 모으기",
            "모델, augmentation, learning rate, 검증 점수, 제출 점수를 열로 둔다\n"
            "실험마다 seed를 꼭 적는다\n제출 횟수 제한이 있으니 제출 전에 시트에서 확인",
            "오늘부터 시트에 기록. 시트 관리는 남궁별님",
            Suggestion.Status.ACCEPTED,
        ),
    ],
    10: [
        (
            "다음 주에도 모더레이터를 이름순으로 돌릴까요?",
            "순서가 정해져 있어 준비하기 편하다\n"
            "대회 기간에는 진행 상황을 가장 잘 아는 사람이 맡자는 의견",
            "이름순 유지. 대회 공유 시간만 따로 담당자를 둔다",
            Suggestion.Status.ACCEPTED,
        ),
    ],
}

# day number → [(assignment, topic, presenters, notes)]
REVIEWS = {
    2: [
        (
            "필수과제 1번",
            "Custom Model 만들기",
            ("문채린", "이도윤"),
            "`nn.Module`을 상속할 때 `super().__init__()`을 빠뜨려 생긴 오류를 같이 확인함\n"
            "`named_parameters()`로 파라미터 이름을 출력해 보는 방법 공유",
        ),
    ],
    3: [
        (
            "필수과제 2번",
            "Optimizer 비교 실험",
            ("남궁별",),
            "같은 모델에 SGD, Momentum, Adam을 적용해 loss 곡선을 비교함\n"
            "seed를 고정하지 않아 결과가 매번 달라지는 문제가 있었음",
        ),
    ],
    4: [
        (
            "선택과제 1번",
            "ResNet 블록 구현",
            ("오하늘", "배시우"),
            "downsample이 필요한 블록에서 shortcut의 stride를 맞추는 부분을 중점적으로 설명",
        ),
        (
            "필수과제 3번",
            "Custom Dataset",
            ("김다온",),
            "`__getitem__`에서 이미지를 읽을 때 PIL과 OpenCV의 채널 순서 차이를 짚어 줌",
        ),
    ],
    5: [
        (
            "선택과제 2번",
            "Mixup / CutMix 구현",
            ("배시우", "김다온"),
            "라벨도 같은 비율로 섞어야 한다는 점을 그림으로 설명\n"
            "CutMix의 박스 좌표가 이미지 밖으로 나가는 경우 처리",
        ),
    ],
    6: [
        (
            "필수과제 4번",
            "LSTM 감성 분류",
            ("이도윤", "남궁별"),
            "마지막 hidden state만 쓸 때와 모든 시점을 평균낼 때의 정확도 비교",
        ),
    ],
    7: [
        (
            "선택과제 3번",
            "Multi-head Attention 구현",
            ("최서율", "문채린", "오하늘"),
            "head를 나누는 `view`와 `transpose`의 순서를 차원을 찍어 가며 확인\n"
            "mask를 더하는 위치가 softmax 앞이어야 한다는 점 정리",
        ),
    ],
    8: [
        (
            "필수과제 5번",
            "BatchNorm 직접 구현",
            ("배시우",),
            "running mean/var를 momentum으로 갱신하는 식과 `model.eval()`에서의 동작 설명",
        ),
    ],
}

# day number → [(question, asked by, answer, answered by, links, needs follow-up)]
QUESTIONS = {
    1: [
        (
            "`view()`와 `reshape()`는 결과가 같아 보이는데 언제 무엇을 써야 하나요?",
            "남궁별",
            "`view`는 메모리가 연속(contiguous)일 때만 동작하고 원본과 저장 공간을 공유한다. "
            "`reshape`는 필요하면 복사본을 만든다. transpose 뒤에는 `reshape`가 안전하다.",
            "이도윤",
            "torch.Tensor.view https://pytorch.org/docs/stable/generated/torch.Tensor.view.html\n"
            "torch.reshape https://pytorch.org/docs/stable/generated/torch.reshape.html",
            False,
        ),
        (
            "`requires_grad=False`로 둔 텐서와 `torch.no_grad()` 블록은 어떻게 다른가요?",
            "최서율",
            "앞의 것은 특정 텐서를 그래프에서 빼는 것이고, `no_grad`는 블록 안의 모든 연산에서 "
            "그래프를 만들지 않는다. 추론할 때는 `no_grad`(또는 `inference_mode`)를 쓴다.",
            "김다온",
            "Autograd mechanics https://pytorch.org/docs/stable/notes/autograd.html",
            False,
        ),
    ],
    2: [
        (
            "Adam을 쓰면 learning rate를 거의 신경 쓰지 않아도 된다는 말이 맞나요?",
            "배시우",
            "기본값(1e-3)으로 잘 되는 경우가 많지만 모델마다 다르다. "
            "실습에서 1e-2로 올리자 loss가 발산했다. 스케줄러와 같이 보는 게 좋다.",
            "문채린",
            "torch.optim https://pytorch.org/docs/stable/optim.html",
            False,
        ),
        (
            "Momentum의 beta를 0.99처럼 크게 잡으면 어떻게 되나요?",
            "오하늘",
            "과거 기울기를 오래 기억해서 진동은 줄지만 최소점을 지나쳐 버리기도 한다. "
            "직접 실험해 보고 다음 세션에서 공유하기로 함.",
            "남궁별",
            "실험 노트 https://example.org/notes/momentum-beta",
            True,
        ),
    ],
    3: [
        (
            "padding='same'은 stride가 2일 때도 출력 크기를 유지하나요?",
            "김다온",
            "PyTorch는 stride가 1일 때만 `padding='same'`을 허용한다. "
            "stride 2에서는 출력 크기 공식을 직접 계산해 padding을 정해야 한다.",
            "배시우",
            "Conv2d https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html\n"
            "출력 크기 계산 메모 https://example.org/notes/conv-output-size",
            False,
        ),
        (
            "1x1 convolution은 정확히 무엇을 줄여 주나요?",
            "이도윤",
            "채널 수를 줄여 파라미터 수와 연산량을 줄인다. 공간 크기(H, W)는 그대로다.",
            "최서율",
            "",
            False,
        ),
    ],
    4: [
        (
            "ResNet의 skip connection에서 채널 수가 다르면 어떻게 더하나요?",
            "문채린",
            "1x1 convolution(projection shortcut)으로 채널 수와 크기를 맞춘 뒤 더한다.",
            "오하늘",
            "torchvision ResNet https://pytorch.org/vision/stable/models/resnet.html",
            False,
        ),
        (
            "VGG가 3x3 필터만 쓰는 이유가 receptive field 말고도 있나요?",
            "남궁별",
            "같은 receptive field를 더 적은 파라미터로 얻고, 층마다 비선형성이 하나씩 더 들어간다. "
            "나머지 이유는 논문을 더 찾아보기로 함.",
            "김다온",
            "VGG 논문 https://arxiv.org/abs/1409.1556",
            True,
        ),
    ],
    5: [
        (
            "검증 데이터에도 augmentation을 적용해야 하나요?",
            "최서율",
            "무작위 변환은 적용하지 않고, 크기 조정과 정규화만 학습 데이터와 똑같이 적용한다.",
            "김다온",
            "torchvision transforms https://pytorch.org/vision/stable/transforms.html",
            False,
        ),
        (
            "DataLoader의 num_workers를 늘렸더니 오히려 느려졌어요.",
            "배시우",
            "CPU 코어 수보다 크게 잡으면 프로세스 전환 비용이 커진다. "
            "데이터가 작으면 0~2가 나을 수 있다. 서버 환경에서 다시 측정해 보기로 함.",
            "이도윤",
            "torch.utils.data https://pytorch.org/docs/stable/data.html",
            True,
        ),
    ],
    6: [
        (
            "LSTM에서 cell state와 hidden state를 둘 다 두는 이유가 뭔가요?",
            "오하늘",
            "cell state는 덧셈으로 이어져 기울기가 오래 전달되는 통로이고, "
            "hidden state는 그 시점의 출력이다.",
            "문채린",
            "nn.LSTM https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html",
            False,
        ),
        (
            "pack_padded_sequence는 꼭 써야 하나요?",
            "이도윤",
            "패딩이 많으면 쓰는 게 좋다. 안 쓰면 패딩 토큰까지 hidden state에 반영된다.",
            "배시우",
            "pack_padded_sequence "
            "https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html",
            False,
        ),
    ],
    7: [
        (
            "attention score를 √d_k로 나누는 이유가 뭔가요?",
            "김다온",
            "d_k가 커지면 내적 값의 분산이 커져 softmax가 한쪽으로 쏠리고 기울기가 작아진다. "
            "나눠서 분산을 1 근처로 맞춘다.",
            "최서율",
            "Attention Is All You Need https://arxiv.org/abs/1706.03762\n"
            "nn.MultiheadAttention "
            "https://pytorch.org/docs/stable/generated/torch.nn.MultiheadAttention.html",
            False,
        ),
        (
            "positional encoding은 학습하는 방식과 sin/cos 방식 중 무엇이 나은가요?",
            "남궁별",
            "논문에서는 성능이 비슷했다고 한다. 학습 때보다 긴 문장에는 sin/cos가 유리하다는 "
            "이야기도 있어 더 찾아보기로 함.",
            "오하늘",
            "",
            True,
        ),
        (
            "mask에 -inf 대신 -1e9를 쓰는 코드가 있던데 차이가 있나요?",
            "배시우",
            "half precision에서는 -1e9가 표현 범위를 넘을 수 있어 "
            "dtype의 최솟값을 쓰는 편이 안전하다.",
            "남궁별",
            "torch.finfo https://pytorch.org/docs/stable/type_info.html",
            False,
        ),
    ],
    8: [
        (
            "BatchNorm은 batch size가 작을 때 왜 불안정한가요?",
            "문채린",
            "배치마다 구한 평균과 분산에 잡음이 커진다. "
            "이럴 때는 GroupNorm이나 LayerNorm을 고려한다.",
            "김다온",
            "BatchNorm2d https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html\n"
            "GroupNorm https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html",
            False,
        ),
        (
            "Dropout과 BatchNorm을 같이 쓸 때 순서는 어떻게 두나요?",
            "최서율",
            "보통 Dropout은 BatchNorm 뒤, 분류기 쪽에만 둔다고 멘토님이 말씀해 주심. "
            "근거가 되는 논문을 찾아 공유하기로 함.",
            "윤하람",
            "",
            True,
        ),
    ],
    9: [
        (
            "클래스 불균형이 심한데 loss를 바꿔야 할까요, 샘플링을 바꿔야 할까요?",
            "김다온",
            "둘 다 실험해 보기로 함. 우선 WeightedRandomSampler와 Focal loss를 각각 돌려 비교.",
            "남궁별",
            "WeightedRandomSampler https://pytorch.org/docs/stable/data.html\n"
            "Focal Loss 논문 https://arxiv.org/abs/1708.02002",
            True,
        ),
        (
            "제출 파일을 만들 때 이미지 순서가 섞이는 문제가 있어요.",
            "이도윤",
            "DataLoader에 `shuffle=False`를 주고, Dataset이 이미지 id를 함께 반환하도록 고쳤다.",
            "배시우",
            "",
            False,
        ),
    ],
    10: [
        (
            "soft voting과 hard voting 중 무엇으로 제출할까요?",
            "최서율",
            "검증 세트에서는 soft voting이 0.8%p 높았다. 확률이 잘 보정되지 않은 모델이 섞이면 "
            "hard voting이 나을 때도 있다.",
            "문채린",
            "Voting classifier https://scikit-learn.org/stable/modules/ensemble.html",
            False,
        ),
        (
            "TTA를 하면 추론 시간이 얼마나 늘어나나요?",
            "김다온",
            "변환 개수만큼 거의 선형으로 늘어난다. 우선 좌우 반전 하나만 추가해 보기로 함.",
            "오하늘",
            "",
            False,
        ),
    ],
}

# day number → [(heading, markdown body)]
SECTIONS = {
    1: [
        (
            "토의 내용",
            "첫 세션이라 진행 방식을 정했다.\n\n"
            "- 진행 순서: 한 줄 요약 → 과제 리뷰 → 질문 → 자유 토의\n"
            "- 기록은 모더레이터가 Studylog에 바로 남긴다\n"
            "- 답을 못 찾은 질문은 **추가 확인 필요**로 표시한다",
        ),
    ],
    2: [
        (
            "토의 내용",
            "각자 돌려 본 optimizer 실험 결과 (MNIST, 5 epoch)\n\n"
            "| optimizer | lr | 검증 정확도 |\n"
            "| --- | --- | --- |\n"
            "| SGD | 0.1 | 97.1% |\n"
            "| Momentum | 0.05 | 98.0% |\n"
            "| Adam | 0.001 | 98.3% |",
        ),
    ],
    3: [
        (
            "멘토링",
            "윤하람 멘토님과의 첫 멘토링.\n\n"
            "- 강의 내용은 **왜** 그렇게 설계했는지를 중심으로 보라는 조언\n"
            "- 논문은 abstract → 그림 → 실험 순서로 훑고, 필요한 부분만 자세히\n"
            "- 다음 멘토링 때 각자 관심 분야(CV/NLP/추천)를 정해 오기",
        ),
    ],
    5: [
        (
            "토의 내용",
            "augmentation 결과 이미지를 한 장씩 공유했다.\n\n"
            "1. 회전을 크게 주면 숫자 6과 9가 헷갈린다\n"
            "2. ColorJitter는 흑백 데이터에서 효과가 거의 없다\n"
            "3. 다음에는 대회 데이터로 같은 비교를 해 보기로",
        ),
    ],
    6: [
        (
            "알고리즘 스터디",
            "세션이 일찍 끝나 BFS 문제를 하나 같이 풀었다.\n\n"
            "- 방문 배열을 큐에 넣을 때 표시해야 중복이 없다\n"
            "- 풀이 공유: [예시 풀이](https://example.org/algorithms/bfs-walls)",
        ),
    ],
    7: [
        (
            "논문 발표",
            "**Attention Is All You Need** (발표: 최서율)\n\n"
            "- RNN 없이 attention만으로 encoder-decoder를 구성\n"
            "- 병렬화가 쉬워 학습 시간이 크게 줄었다\n"
            "- 질문: decoder의 masked attention은 추론 때도 필요한가? → 필요하다",
        ),
    ],
    8: [
        (
            "멘토링",
            "대회 준비에 대한 조언.\n\n"
            "- 처음 3일은 점수보다 **재현 가능한 베이스라인**을 만드는 데 쓰기\n"
            "- 실험 하나에 바꾸는 변수는 하나만\n"
            "- 검증 세트를 리더보드와 비슷하게 나누는 것이 가장 중요",
        ),
    ],
    9: [
        (
            "대회 진행상황 공유",
            "마스크 착용 상태 분류 대회 1일차\n\n"
            "- 베이스라인(ResNet18): 검증 F1 0.61\n"
            "- EfficientNet-B0 + 좌우 반전: 검증 F1 0.68 (김다온)\n"
            "- 나이 클래스 경계(60세) 근처에서 오분류가 많음 → 라벨 확인 필요",
        ),
    ],
    10: [
        (
            "대회 진행상황 공유",
            "앙상블 후보\n\n"
            "1. EfficientNet-B0 + ResNet34, soft voting — 검증 F1 0.72\n"
            "2. 위 조합 + ViT-S, soft voting — 검증 F1 0.73, 추론 시간 2배\n"
            "3. 1번에 TTA(좌우 반전) 추가 — 검증 F1 0.725\n\n"
            "제출은 2번과 3번으로 하기로 함.",
        ),
        (
            "2주 회고",
            "- 좋았던 점: 질문을 미루지 않는 분위기, 추가 확인 항목을 끝까지 닫은 것\n"
            "- 아쉬운 점: 과제 리뷰가 길어지면 질문 시간이 부족했다\n"
            "- 다음 주에 해 볼 것: 대회 실험 시트를 세션 시작 전에 5분 같이 보기",
        ),
    ],
}

# Retrospective pieces: a body about one of the day's points, then a closing line.
RETRO_BODIES = [
    "오늘 강의에서 {point}에 대해 다시 정리했다. 처음에는 헷갈렸는데 "
    "피어세션에서 설명을 듣고 나니 조금 감이 온다.",
    "**{point}** 부분은 아직 완전히 이해하지 못했다. 내일 아침에 강의를 한 번 더 보고 "
    "코드로 직접 확인해 볼 생각이다.",
    "{point}에 대해 팀원들과 이야기하면서 내가 놓친 부분을 알게 됐다. "
    "혼자 공부할 때보다 확실히 빨리 정리된다.",
    "과제를 하면서 {point}에 대해 직접 실험해 봤다. 숫자로 결과를 확인하니 "
    "강의 내용이 훨씬 잘 들어왔다.",
    "오늘의 키워드: **{point}**\n\n"
    "- 잘한 점: 강의를 당일에 다 들었다\n"
    "- 아쉬운 점: 정리를 미뤘다\n"
    "- 내일 할 일: 정리 글 마무리",
]
RETRO_CLOSINGS = [
    "내일은 질문을 하나 이상 준비해 가야겠다.",
    "정리한 내용은 블로그에 올려 두었다.",
    "컨디션 관리도 공부의 일부라는 걸 잊지 말자.",
    "다른 사람에게 설명할 수 있을 때까지 다시 보자.",
]
RETRO_MODERATOR = "오늘은 모더레이터를 맡았다. 시간 안에 안건을 모두 다루려고 신경 썼다."
RETRO_MISSED = "세션에 참여하지 못해 기록을 읽으며 따라갔다. {point}에 대해서는 따로 정리해 두었다."


class DemoError(Exception):
    """The demo cannot be loaded here (its team or one of its accounts already exists)."""


def demo_login() -> dict:
    """What someone needs to try the demo: username, password and the team's page."""
    return {
        "username": MEMBERS[0][0],
        "password": DEMO_PASSWORD,
        "team": DEMO_SLUG,
        "path": reverse("peer:team", args=[DEMO_SLUG]),
    }


def session_dates(today: datetime.date, count: int = 10) -> list[datetime.date]:
    """The `count` weekdays ending on the last weekday on or before `today`, oldest first."""
    dates = []
    date = today
    while len(dates) < count:
        if date.weekday() < 5:
            dates.append(date)
        date -= datetime.timedelta(days=1)
    return dates[::-1]


@transaction.atomic
def load_demo(*, stdout=None) -> dict:
    """Create the demo team with two weeks of records; return the demo login.

    Refuses (DemoError) rather than touching existing rows: a real account named
    `demo` must never get the published demo password.
    """
    usernames = [username for username, _name in [*MEMBERS, MENTOR]]
    if Team.objects.filter(slug=DEMO_SLUG).exists():
        raise DemoError(f"A team with the address {DEMO_SLUG!r} already exists.")
    User = get_user_model()
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    if taken:
        raise DemoError(f"These accounts already exist: {', '.join(taken)}.")

    dates = session_dates(timezone.localdate(), len(DAYS))
    # The calendar the description promises: weekdays at five, Day1 the first demo day.
    team = Team.objects.create(
        slug=DEMO_SLUG,
        starts_on=dates[0],
        session_weekdays="01234",
        session_start=datetime.time(17, 0),
        session_end=datetime.time(17, 30),
        rotation=Team.Rotation.NAME,
        **TEAM,
    )
    members = _create_members(team)
    with search_index.deferred():  # index each day once, not after every row
        days = [
            _create_day(team, members, number, date) for number, date in enumerate(dates, start=1)
        ]
        _follow_up(days, members)
    _plan_ahead(team, members, after=dates[-1])

    login = demo_login()
    if stdout is not None:
        stdout.write(
            f"Created team {team.name} ({team.slug}): {len(MEMBERS)} members, 1 observer, "
            f"{len(dates)} days from {dates[0]} to {dates[-1]}."
        )
    return login


# Action items: (day number, text, owner, due this many days after the day, done after
# this many days or None while open).
ACTIONS = [
    (1, "팀 노션에 피어세션 기록 템플릿 만들기", "김다온", 1, 1),
    (3, "Adam vs AdamW 비교 실험 결과 공유", "오하늘", 3, 4),
    (6, "CNN 과제 코드 리뷰 코멘트 정리해서 올리기", "배시우", 2, None),
    (8, "멘토링 질문 목록 모아서 멘토님께 미리 보내기", "문채린", 2, None),
    (10, "RNN 실습 gradient clipping 값 비교표 만들기", "이도윤", 3, None),
]
# Follow-up questions answered later: (day number, words in the question, answered by,
# after this many days, the follow-up answer).
RESOLVED = [
    (
        2,
        "Momentum의 beta",
        "오하늘",
        2,
        "beta=0.99로 20 epoch 돌려 보니 초반 진동은 줄었지만 최소점 근처에서 크게 "
        "흔들렸다. 0.9가 무난하고, 0.99를 쓰려면 학습률을 낮춰야 했다.",
    ),
]
# Questions the team saved for the mentor (words in the question).
FOR_MENTOR = ["VGG가 3x3 필터만"]


def _follow_up(days: list[Day], members: dict[str, Membership]) -> None:
    """Action items, a follow-up answered days later, and questions for the mentor."""
    tz = timezone.get_current_timezone()

    def evening(date, after):
        return datetime.datetime.combine(
            date + datetime.timedelta(days=after), datetime.time(18, 0), tz
        )

    for number, text, owner, due, done in ACTIONS:
        day = days[number - 1]
        ActionItem.objects.create(
            day=day,
            version=1,
            position=1,
            text=text,
            owner=members[owner],
            due_date=day.date + datetime.timedelta(days=due),
            resolution="완료했습니다." if done is not None else "",
            resolved_at=evening(day.date, done) if done is not None else None,
            resolved_by=members[owner] if done is not None else None,
        )
    for number, words, who, after, answer in RESOLVED:
        question = Question.objects.get(day=days[number - 1], question__contains=words)
        question.resolution = answer
        question.resolved_by = members[who]
        question.resolved_at = evening(days[number - 1].date, after)
        question.save()
    for words in FOR_MENTOR:
        question = Question.objects.get(day__in=days, question__contains=words)
        question.for_mentor = True
        question.save()


def _plan_ahead(team: Team, members: dict[str, Membership], *, after: datetime.date) -> None:
    """The weeks ahead: a special-lecture day off, and a substitute for an interview."""
    upcoming = schedule.next_session_dates(team, after + datetime.timedelta(days=1), 4)
    SkippedDate.objects.create(team=team, date=upcoming[3], reason="멘토 특강 (피어세션 없음)")
    away = schedule.scheduled_moderator(team, upcoming[1])
    stand_in = members["남궁별"] if away != members["남궁별"] else members["문채린"]
    admin = members[MEMBERS[0][1]]
    schedule.assign(team, upcoming[1], stand_in, user=admin.user)


def _create_members(team: Team) -> dict[str, Membership]:
    """Accounts and memberships for everyone, keyed by display name."""
    User = get_user_model()
    # One hash for all: the password is the same and hashing is deliberately slow.
    password = make_password(DEMO_PASSWORD)
    members = {}
    for order, (username, name) in enumerate(MEMBERS, start=1):
        user = User.objects.create(username=username, first_name=name, password=password)
        role = Membership.Role.ADMIN if order == 1 else Membership.Role.MEMBER
        members[name] = Membership.objects.create(
            team=team, user=user, display_name=name, role=role, rotation_order=order
        )
    username, name = MENTOR
    user = User.objects.create(username=username, first_name=name, password=password)
    # Observers are not in the rotation; the last place keeps them at the end of lists.
    members[name] = Membership.objects.create(
        team=team,
        user=user,
        display_name=name,
        role=Membership.Role.OBSERVER,
        rotation_order=len(MEMBERS) + 1,
    )
    return members


def _create_day(team: Team, members: dict[str, Membership], number: int, date) -> Day:
    topic, tags, points, resources = DAYS[number - 1]
    rotation = [members[name] for _username, name in MEMBERS]
    moderator = rotation[(number - 1) % len(rotation)]
    editor = moderator.user
    day = Day.objects.create(
        team=team,
        date=date,
        number=number,
        moderator=moderator,
        tags=tags,
        version=1,
        updated_by=editor,
    )

    for member in rotation:
        status, note = ATTENDANCE.get(
            (number, member.display_name), (Attendance.Status.PRESENT, "")
        )
        Attendance.objects.create(day=day, member=member, status=status, note=note)

    common = {"day": day, "version": 1, "updated_by": editor}
    for position, (proposal, discussion, outcome, status) in enumerate(
        SUGGESTIONS.get(number, []), start=1
    ):
        Suggestion.objects.create(
            **common,
            position=position,
            proposal=proposal,
            discussion=discussion,
            outcome=outcome,
            status=status,
        )
    for position, (assignment, review_topic, presenters, notes) in enumerate(
        REVIEWS.get(number, []), start=1
    ):
        review = AssignmentReview.objects.create(
            **common, position=position, assignment=assignment, topic=review_topic, notes=notes
        )
        review.presenters.set([members[name] for name in presenters])
    for position, (question, asker, answer, answerer, links, follow_up) in enumerate(
        QUESTIONS.get(number, []), start=1
    ):
        Question.objects.create(
            **common,
            position=position,
            question=question,
            asked_by=members[asker],
            answer=answer,
            answered_by=members[answerer],
            links=links,
            needs_follow_up=follow_up,
        )
    for position, (heading, body) in enumerate(SECTIONS.get(number, []), start=1):
        FreeSection.objects.create(**common, position=position, heading=heading, body=body)

    for index, member in enumerate(rotation):
        _create_log(day, member, index, topic, points, resources, moderator)
    return day


def _create_log(day, member, index, topic, points, resources, moderator) -> MemberLog:
    """One member's retrospective and 1–3 study badges, varied by day and member."""
    number = day.number
    point = points[(number + index) % len(points)]
    status = ATTENDANCE.get((number, member.display_name), (Attendance.Status.PRESENT,))[0]
    if status in Attendance.PRESENT_STATUSES:
        body = RETRO_BODIES[(number + 2 * index) % len(RETRO_BODIES)].format(point=point)
    else:
        body = RETRO_MISSED.format(point=point)
    closing = RETRO_MODERATOR if member == moderator else RETRO_CLOSINGS[(number + index) % 4]
    # A few logs are kept private, as members sometimes do for a rough day.
    private = (3 * number + index) % 10 == 0
    log = MemberLog.objects.create(
        day=day,
        member=member,
        retrospective=f"{body}\n\n{closing}",
        visibility=MemberLog.Visibility.PRIVATE if private else MemberLog.Visibility.TEAM,
        version=1,
        updated_by=member.user,
    )

    username = member.user.get_username()
    badges = [(topic, f"https://example.com/{username}/day{number}", "red")]
    for offset in range((number + index) % 3):
        badges.append(resources[(index + offset) % len(resources)])
    StudyLink.objects.bulk_create(
        StudyLink(log=log, position=position, title=title, url=url, color=color)
        for position, (title, url, color) in enumerate(badges, start=1)
    )
    return log
