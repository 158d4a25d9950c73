package wechat

// What the account says. Short lines: they are read on a phone, often standing in the street.
const (
	textWelcome = "您好，这里是%s。\n发现占道经营、违章搭建、扬尘、乱堆乱放、堵塞消防通道等问题，可以直接在这里举报：\n" +
		"1. 用文字说明问题；\n2. 点“+”发送位置；\n3. 可以拍照片；\n4. 核对后回复“确认”提交。\n" +
		"回复“查询”查看您的举报进展，回复“帮助”查看说明。"
	textHowToReport = "请用文字说明问题，再点“+”发送问题所在的位置，可以附上照片。顺序不限，核对后回复“确认”提交。"
	textHelp        = "举报：发送文字说明、位置（点“+”→位置）和照片，核对后回复“确认”。\n" +
		"查询：回复“查询”列出您的举报，回复“查询 案件编号”查看一件。\n取消正在填写的举报：回复“取消”。"
	textAskDescription  = "请用文字简要说明是什么问题。"
	textAskCategory     = "请选择问题的类别："
	textAskWhichOfThese = "您说的是以下哪一类？"
	textAskLocation     = "请发送问题所在的位置：点输入框旁的“+”，选“位置”。"
	textBadLocation     = "未能识别这个位置，请重新发送。"
	textOfferHint       = "\n如果问题就在您所在的地方（%s附近），也可以回复“当前位置”。"
	textNoHint          = "还没有收到您手机的位置，请点“+”发送位置。"
	textOutsideDistrict = "这个位置不在本区范围内，请联系所在地的城管部门，或重新发送位置。"
	textFiled           = "已提交，案件编号 %s。\n处理进展会在这里通知您；回复“查询 %[1]s”随时查看。"
	textAlreadyFiled    = "这件举报已提交，案件编号 %s。如要举报新的问题，请直接发送文字说明。"
	textCancelled       = "已取消正在填写的举报。"
	textVoiceUnreadable = "暂时无法识别语音，请用文字说明问题。"
	textUnsupported     = "暂不支持这种消息，请发送文字、位置或照片。"
	textNoPhotos        = "暂时无法接收照片，请用文字说明问题。"
	textNoCases         = "您还没有通过公众号提交过举报。"
	textCaseNotFound    = "没有找到您提交的案件 %s，请核对编号。"
	textRated           = "感谢您的评价！"
	textRatedBad        = "很抱歉处理结果没有让您满意。已转值班长复核，复核结果会通知您。"
)
